package io.harbormaster.capacity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operator's switch that stops every automatic capacity action at run time (scale-out, scale-in, clean-up);
 * drains already under way go on. Who changed it, why and when are kept when given.
 *
 * @param by who changed it, or null
 * @param reason why, or null
 * @param at when it was last changed, or null when it never was
 */
public record CapacityPause(boolean paused, String by, String reason, Instant at) {
    public static final CapacityPause NEVER_CHANGED = new CapacityPause(false, null, null, null);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The switch as stored: its own small document, so that flipping it never races a check's history write. */
    public String toJson() {
        ObjectNode node = JSON.createObjectNode().put("version", 1).put("paused", paused);
        node.put("by", by);
        node.put("reason", reason);
        node.put("at", at == null ? null : at.toString());
        return node.toString();
    }

    /** @throws IllegalArgumentException naming what is wrong with the text */
    public static CapacityPause fromJson(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject() || !node.path("paused").isBoolean()) {
                throw new IllegalArgumentException("pause switch is not an object with a boolean 'paused'");
            }
            return new CapacityPause(node.get("paused").asBoolean(), textOrNull(node, "by"), textOrNull(node, "reason"),
                    node.hasNonNull("at") ? Instant.parse(node.get("at").asText()) : null);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("pause switch is not valid JSON: " + e.getOriginalMessage());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("pause switch has a malformed time: " + e.getParsedString());
        }
    }

    private static String textOrNull(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }

    /** For the status endpoint and the pause route's reply. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("paused", paused);
        map.put("by", by);
        map.put("reason", reason);
        map.put("changedAt", at == null ? null : at.toString());
        return map;
    }

    /** The switch in a few words, for logs and decisions. */
    public String describe() {
        StringBuilder text = new StringBuilder(paused ? "paused" : "resumed");
        if (by != null) {
            text.append(" by ").append(by);
        }
        if (at != null) {
            text.append(" at ").append(at);
        }
        if (reason != null) {
            text.append(": ").append(reason);
        }
        return text.toString();
    }
}
