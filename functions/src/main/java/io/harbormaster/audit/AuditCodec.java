package io.harbormaster.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** An audit event as one JSON line, the form the trail stores and {@code GET /api/events} answers. */
public final class AuditCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditCodec() {
    }

    public static ObjectNode json(AuditEvent event) {
        ObjectNode node = JSON.createObjectNode();
        node.put("at", event.at().toString());
        node.put("kind", event.kind().wireName());
        node.put("subject", event.subject());
        node.put("reason", event.reason());
        ObjectNode details = node.putObject("details");
        event.details().forEach(details::put);
        return node;
    }

    public static String line(AuditEvent event) {
        try {
            return JSON.writeValueAsString(json(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an audit event does not serialise", e);
        }
    }

    /** The event on a stored line; empty for a line that is not one (torn, blank, or of a kind this version lacks). */
    public static Optional<AuditEvent> parse(String line) {
        if (line.isBlank()) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(line);
            Optional<AuditKind> kind = AuditKind.fromWireName(node.path("kind").asText());
            if (kind.isEmpty() || !node.path("at").isTextual()) {
                return Optional.empty();
            }
            Map<String, String> details = new LinkedHashMap<>();
            node.path("details").fields().forEachRemaining(field -> details.put(field.getKey(), field.getValue().asText()));
            return Optional.of(new AuditEvent(Instant.parse(node.path("at").asText()), kind.get(),
                    node.path("subject").asText(), node.path("reason").asText(), details));
        } catch (JsonProcessingException | DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
