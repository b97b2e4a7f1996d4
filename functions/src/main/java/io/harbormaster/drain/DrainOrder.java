package io.harbormaster.drain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /api/drain/{node}}: why, whether to delete the VM afterwards, and by when. The body can ask
 * for {@link InstanceEnd#KEEP} or {@link InstanceEnd#DELETE}; a deallocate-mode scale-in asks for
 * {@link InstanceEnd#DEALLOCATE}.
 */
public record DrainOrder(DrainReason reason, InstanceEnd instanceEnd, Optional<Instant> deadline) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("reason", "deleteInstance", "deadline");
    private static final Duration LONGEST_DEADLINE = Duration.ofHours(24);
    // Hostname labels (RFC 1123) or a swarm node id; nothing that a shell or a URL could read differently.
    private static final Pattern NODE_NAME =
            Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    private static final int MAX_NODE_NAME = 253;

    public DrainOrder {
        java.util.Objects.requireNonNull(instanceEnd, "instanceEnd");
    }

    /** An order that deletes the instance, or keeps it. */
    public DrainOrder(DrainReason reason, boolean deleteInstance, Optional<Instant> deadline) {
        this(reason, InstanceEnd.of(deleteInstance), deadline);
    }

    /** Whether the drain deletes the node's instance at its end. */
    public boolean deleteInstance() {
        return instanceEnd == InstanceEnd.DELETE;
    }

    /** Whether the drain ends with the instance deleted or deallocated: either needs the one instance recorded. */
    public boolean endsInstance() {
        return instanceEnd != InstanceEnd.KEEP;
    }

    public static DrainOrder manual() {
        return new DrainOrder(DrainReason.MANUAL, false, Optional.empty());
    }

    /** @throws DrainRejectedException of kind INVALID_NODE_NAME */
    public static String validNodeName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NODE_NAME || !NODE_NAME.matcher(name).matches()) {
            throw new DrainRejectedException(DrainRejectedException.Kind.INVALID_NODE_NAME,
                    "node must be a hostname or node id: letters, digits, '-' and '.', at most " + MAX_NODE_NAME
                            + " characters");
        }
        return name;
    }

    /**
     * Reads the optional JSON body. A deadline is an ISO-8601 instant or a duration from now ("PT10M").
     *
     * @throws DrainRejectedException of kind INVALID_BODY naming the field at fault
     */
    public static DrainOrder parse(String body, Instant now) {
        if (body == null || body.isBlank()) {
            return manual();
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw invalid("body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw invalid("body must be a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw invalid("unknown field '" + name + "'; expected reason, deleteInstance, deadline");
            }
        }
        DrainReason reason = DrainReason.MANUAL;
        JsonNode reasonNode = node.get("reason");
        if (reasonNode != null && !reasonNode.isNull()) {
            reason = DrainReason.parse(reasonNode.isTextual() ? reasonNode.asText() : "")
                    .orElseThrow(() -> invalid("reason must be one of " + DrainReason.expected()));
        }
        boolean deleteInstance = false;
        JsonNode deleteNode = node.get("deleteInstance");
        if (deleteNode != null && !deleteNode.isNull()) {
            if (!deleteNode.isBoolean()) {
                throw invalid("deleteInstance must be true or false");
            }
            deleteInstance = deleteNode.asBoolean();
        }
        Optional<Instant> deadline = Optional.empty();
        JsonNode deadlineNode = node.get("deadline");
        if (deadlineNode != null && !deadlineNode.isNull()) {
            deadline = Optional.of(deadline(deadlineNode, now));
        }
        return new DrainOrder(reason, deleteInstance, deadline);
    }

    private static Instant deadline(JsonNode node, Instant now) {
        String text = node.isTextual() ? node.asText() : "";
        Instant deadline;
        try {
            deadline = text.startsWith("P") || text.startsWith("p") ? now.plus(Duration.parse(text)) : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw invalid("deadline must be an ISO-8601 instant (2026-01-31T12:00:00Z) or duration (PT10M)");
        }
        if (!deadline.isAfter(now)) {
            throw invalid("deadline must be in the future");
        }
        if (deadline.isAfter(now.plus(LONGEST_DEADLINE))) {
            throw invalid("deadline must be at most 24 hours ahead");
        }
        return deadline;
    }

    private static DrainRejectedException invalid(String message) {
        return new DrainRejectedException(DrainRejectedException.Kind.INVALID_BODY, message);
    }
}
