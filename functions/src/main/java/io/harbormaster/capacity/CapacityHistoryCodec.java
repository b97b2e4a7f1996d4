package io.harbormaster.capacity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON for the stored {@link CapacityHistory}, written field by field: the blob outlives a deploy, so its form must
 * not follow the record's. An unreadable history is an error for the caller to report; starting from
 * {@link CapacityHistory#EMPTY} instead is safe (every timer restarts, nothing is removed sooner).
 */
public final class CapacityHistoryCodec {
    public static final int CURRENT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CapacityHistoryCodec() {
    }

    public static String write(CapacityHistory history) {
        ObjectNode node = JSON.createObjectNode()
                .put("version", CURRENT_VERSION)
                .put("checkedAt", string(history.checkedAt()));
        // Sorted, so the same history is the same text: the blob changes only when the history does.
        ObjectNode under = node.putObject("underUtilisedSince");
        new TreeMap<>(history.underUtilisedSince()).forEach((id, since) -> under.put(id, since.toString()));
        ObjectNode down = node.putObject("downSince");
        new TreeMap<>(history.downSince()).forEach((id, since) -> down.put(id, since.toString()));
        ObjectNode unjoined = node.putObject("unjoinedSince");
        new TreeMap<>(history.unjoinedSince()).forEach((id, since) -> unjoined.put(id, since.toString()));
        ObjectNode joined = node.putObject("joinedInstances");
        new TreeMap<>(history.joinedInstances()).forEach((id, at) -> joined.put(id, at.toString()));
        if (history.lastScaleOut() == null) {
            node.putNull("lastScaleOut");
        } else {
            node.putObject("lastScaleOut")
                    .put("at", history.lastScaleOut().at().toString())
                    .put("fromCapacity", history.lastScaleOut().fromCapacity())
                    .put("toCapacity", history.lastScaleOut().toCapacity());
        }
        if (history.expectedCapacity() == null) {
            node.putNull("expectedCapacity");
        } else {
            node.putObject("expectedCapacity")
                    .put("capacity", history.expectedCapacity().capacity())
                    .put("at", history.expectedCapacity().at().toString());
        }
        if (history.lastReading() == null) {
            node.putNull("lastReading");
        } else {
            node.putObject("lastReading")
                    .put("capacity", history.lastReading().capacity())
                    .put("instances", history.lastReading().instances())
                    .put("at", history.lastReading().at().toString());
        }
        ArrayNode decisions = node.putArray("recentDecisions");
        for (CapacityHistory.Decision decision : history.recentDecisions()) {
            decisions.addObject()
                    .put("at", decision.at().toString())
                    .put("action", decision.action())
                    .put("reason", decision.reason())
                    .put("dryRun", decision.dryRun());
        }
        ArrayNode operations = node.putArray("operations");
        for (CapacityHistory.Operation operation : history.operations()) {
            ObjectNode entry = operations.addObject().put("kind", operation.kind().wireName());
            if (operation.kind() == CapacityHistory.Operation.Kind.SET_CAPACITY) {
                entry.put("toCapacity", operation.toCapacity());
            } else {
                entry.put("instanceId", operation.instanceId());
            }
            entry.put("startedAt", operation.startedAt().toString());
        }
        return node.toString();
    }

    /** @throws IllegalArgumentException naming what is wrong with the text */
    public static CapacityHistory read(String text) {
        JsonNode node = parse(text);
        int version = node.path("version").asInt(-1);
        if (version != CURRENT_VERSION) {
            throw new IllegalArgumentException("unsupported capacity history version " + node.path("version")
                    + " (this planner reads version " + CURRENT_VERSION + ")");
        }
        try {
            JsonNode scaleOut = node.path("lastScaleOut");
            JsonNode expected = node.path("expectedCapacity");
            JsonNode reading = node.path("lastReading");
            List<CapacityHistory.Decision> decisions = new ArrayList<>();
            for (JsonNode decision : node.path("recentDecisions")) {
                decisions.add(new CapacityHistory.Decision(instant(decision, "at"), text(decision, "action"),
                        text(decision, "reason"), decision.path("dryRun").asBoolean(false)));
            }
            // Absent in histories written before checks stopped waiting for ARM: nothing is under way then.
            List<CapacityHistory.Operation> operations = new ArrayList<>();
            for (JsonNode operation : node.path("operations")) {
                CapacityHistory.Operation.Kind kind = CapacityHistory.Operation.Kind.fromWireName(text(operation, "kind"));
                operations.add(kind == CapacityHistory.Operation.Kind.SET_CAPACITY
                        ? CapacityHistory.Operation.setCapacity(number(operation, "toCapacity"), instant(operation, "startedAt"))
                        : new CapacityHistory.Operation(kind, 0, text(operation, "instanceId"), instant(operation, "startedAt")));
            }
            return new CapacityHistory(
                    optionalInstant(node, "checkedAt"),
                    instants(node.path("underUtilisedSince")),
                    instants(node.path("downSince")),
                    instants(node.path("unjoinedSince")),
                    scaleOut.isObject() ? new CapacityHistory.ScaleOutRecord(instant(scaleOut, "at"),
                            number(scaleOut, "fromCapacity"), number(scaleOut, "toCapacity")) : null,
                    expected.isObject() ? new CapacityHistory.Expectation(number(expected, "capacity"),
                            instant(expected, "at")) : null,
                    reading.isObject() ? new CapacityHistory.Reading(number(reading, "capacity"),
                            (int) number(reading, "instances"), instant(reading, "at")) : null,
                    decisions,
                    operations,
                    // Absent from a history written before it was kept: no instance is known to have joined.
                    instants(node.path("joinedInstances")));
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("capacity history has a malformed time: " + e.getParsedString());
        }
    }

    private static JsonNode parse(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("capacity history is not a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("capacity history is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static Map<String, Instant> instants(JsonNode object) {
        Map<String, Instant> map = new HashMap<>();
        object.fields().forEachRemaining(entry -> map.put(entry.getKey(), Instant.parse(entry.getValue().asText())));
        return map;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("field " + field + " is missing or not a string");
        }
        return value.asText();
    }

    private static long number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber()) {
            throw new IllegalArgumentException("field " + field + " is missing or not a whole number");
        }
        return value.asLong();
    }

    private static Instant instant(JsonNode node, String field) {
        return Instant.parse(text(node, field));
    }

    private static Instant optionalInstant(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : Instant.parse(value.asText());
    }

    private static String string(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
