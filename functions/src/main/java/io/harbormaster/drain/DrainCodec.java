package io.harbormaster.drain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.harbormaster.storage.StoredJson;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * JSON for queue messages and stored statuses, written field by field: the stored form outlives a deploy,
 * so it must not change when a record gains a field.
 */
public final class DrainCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DrainCodec() {
    }

    public static String message(DrainMessage message) {
        ObjectNode node = JSON.createObjectNode()
                .put("version", message.version())
                .put("requestId", message.requestId())
                .put("hostname", message.hostname())
                .put("step", message.step());
        return node.toString();
    }

    /** @throws IllegalArgumentException naming what is wrong with the message */
    public static DrainMessage message(String text) {
        JsonNode node = parse(text, "drain message");
        int version = node.path("version").asInt(-1);
        if (version != DrainMessage.CURRENT_VERSION) {
            throw new IllegalArgumentException("unsupported drain message version " + node.path("version")
                    + " (this worker reads version " + DrainMessage.CURRENT_VERSION + ")");
        }
        return new DrainMessage(version, text(node, "requestId"), text(node, "hostname"),
                node.path("step").asLong(0));
    }

    /** The request id and hostname of a message, however malformed the rest: enough to mark its drain failed. */
    public static DrainMessage lenientMessage(String text) {
        JsonNode node = parse(text, "drain message");
        return new DrainMessage(node.path("version").asInt(-1), text(node, "requestId"), text(node, "hostname"),
                node.path("step").asLong(0));
    }

    public static String status(DrainStatus status) {
        DrainRequest request = status.request();
        ObjectNode node = JSON.createObjectNode();
        node.putObject("request")
                .put("requestId", request.requestId())
                .put("hostname", request.hostname())
                .put("nodeId", request.nodeId())
                .put("reason", request.reason().wireName())
                .put("deleteInstance", request.deleteInstance())
                .put("instanceEnd", request.instanceEnd().wireName())
                .put("deadline", request.deadline().toString())
                .put("requestedAt", request.requestedAt().toString())
                .put("instanceId", request.instanceId());
        node.put("state", status.state().wireName())
                .put("finished", status.finished())
                .put("tasksRemaining", status.tasksRemaining())
                .put("replacementsPending", status.replacementsPending())
                .put("timedOut", status.timedOut())
                .put("instanceDeleted", status.instanceDeleted())
                .put("failure", status.failure())
                .put("lastError", status.lastError())
                .put("drainedAt", string(status.drainedAt()))
                .put("unreachableSince", string(status.unreachableSince()))
                .put("step", status.step())
                .put("claimedBy", status.claimedBy())
                .put("updatedAt", status.updatedAt().toString());
        if (status.instanceDeallocated()) {
            node.put("instanceDeallocated", true);
        }
        if (status.stranded() != null) {
            node.put("stranded", status.stranded());
        }
        if (!status.surge().isEmpty()) {
            ArrayNode surge = node.putArray("surge");
            for (SurgeEntry entry : status.surge()) {
                surge.addObject()
                        .put("serviceId", entry.serviceId())
                        .put("serviceName", entry.serviceName())
                        .put("originalReplicas", entry.originalReplicas())
                        .put("added", entry.added())
                        .put("phase", entry.phase().wireName());
            }
        }
        return node.toString();
    }

    public static DrainStatus status(String text) {
        JsonNode node = parse(text, "drain status");
        JsonNode r = node.path("request");
        DrainRequest request = new DrainRequest(
                text(r, "requestId"), text(r, "hostname"), text(r, "nodeId"),
                DrainReason.parse(text(r, "reason")).orElse(DrainReason.MANUAL),
                // Statuses written before instanceEnd was recorded say only whether the instance is deleted.
                InstanceEnd.parse(r.path("instanceEnd").asText("")).orElse(InstanceEnd.of(r.path("deleteInstance").asBoolean(false))),
                Instant.parse(text(r, "deadline")),
                Instant.parse(text(r, "requestedAt")),
                // Absent from statuses written before instance ids were recorded.
                optionalText(r, "instanceId"));
        return new DrainStatus(
                request,
                DrainState.valueOf(text(node, "state").toUpperCase(java.util.Locale.ROOT).replace('-', '_')),
                node.path("finished").asBoolean(false),
                node.path("tasksRemaining").asInt(0),
                node.path("replacementsPending").asInt(0),
                node.path("timedOut").asBoolean(false),
                node.path("instanceDeleted").asBoolean(false),
                optionalText(node, "failure"),
                optionalText(node, "lastError"),
                instant(node, "drainedAt"),
                instant(node, "unreachableSince"),
                node.path("step").asLong(0),
                optionalText(node, "claimedBy"),
                Instant.parse(text(node, "updatedAt")),
                surge(node.path("surge")),
                // Absent from statuses that were never stranded, and from those written before the state existed.
                optionalText(node, "stranded"),
                // Absent from statuses of drains that deallocated nothing, and from those written before any did.
                node.path("instanceDeallocated").asBoolean(false));
    }

    /** Absent from statuses of drains without surge, and from those written before surge drains existed. */
    private static List<SurgeEntry> surge(JsonNode array) {
        List<SurgeEntry> entries = new ArrayList<>();
        for (JsonNode entry : array) {
            entries.add(new SurgeEntry(text(entry, "serviceId"), Objects.requireNonNullElse(optionalText(entry, "serviceName"), ""),
                    entry.path("originalReplicas").asLong(), entry.path("added").asLong(),
                    SurgeEntry.Phase.parse(text(entry, "phase"))));
        }
        return entries;
    }

    private static JsonNode parse(String text, String what) {
        return StoredJson.object(text, what);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new IllegalArgumentException("field " + field + " is missing or not a string");
        }
        return value.asText();
    }

    private static String optionalText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Instant instant(JsonNode node, String field) {
        String value = optionalText(node, field);
        return value == null ? null : Instant.parse(value);
    }

    private static String string(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
