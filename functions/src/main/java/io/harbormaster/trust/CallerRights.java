package io.harbormaster.trust;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.harbormaster.drain.DrainOrder;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRejectedException;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.trust.TrustRefusal.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * What a proven machine may do (issue 11's table), as pure decisions: an agent gets worker tickets, drains only itself
 * for a reason that means its VM is going (shutdown, terminate-notification, preempt), never with deleteInstance, by a
 * deadline within bounds, and reads only its own drain; a manager gets manager and worker tickets and forwards the
 * swarm's events (which ask for capacity checks), and nothing else.
 */
public final class CallerRights {
    /** The reasons an agent may give for draining itself. */
    public static final Set<DrainReason> AGENT_DRAIN_REASONS =
            Set.of(DrainReason.SHUTDOWN, DrainReason.TERMINATE_NOTIFICATION, DrainReason.PREEMPT);
    /** The body fields of {@code POST /api/node/drain}. */
    static final Set<String> DRAIN_FIELDS = Set.of("node", "reason", "deleteInstance", "deadline");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The deadlines an agent may set on its own drain, and the one it gets when it names none. */
    public record DrainBounds(Duration shortest, Duration longest, Duration whenNoneGiven) {
        public DrainBounds {
            if (shortest.compareTo(longest) > 0) {
                throw new IllegalArgumentException("shortest deadline " + shortest + " is beyond the longest " + longest);
            }
        }
    }

    /** An agent's drain of itself, as the drain core takes it. */
    public record SelfDrain(String node, DrainOrder order) {
    }

    private CallerRights() {
    }

    /** @throws TrustRefusal FORBIDDEN when the machine may not have a ticket for {@code role} */
    public static void mayJoin(Machine machine, SwarmRole role) {
        if (role == SwarmRole.MANAGER && machine.kind() != Machine.Kind.MANAGER) {
            throw forbidden(machine, "an agent gets worker tickets only");
        }
    }

    /** @throws TrustRefusal FORBIDDEN unless the machine is a manager VM: only managers see the swarm's events */
    public static void mayForwardEvents(Machine machine) {
        if (machine.kind() != Machine.Kind.MANAGER) {
            throw forbidden(machine, "only manager VMs forward the swarm's events");
        }
    }

    /**
     * The drain an agent asks for itself, from the body {@code {"reason","deadline","deleteInstance","node"}}.
     *
     * @throws TrustRefusal            FORBIDDEN for a manager, another node, deleteInstance, a reason that is not the
     *                                 VM leaving, or a deadline out of bounds
     * @throws DrainRejectedException INVALID_BODY for a body that is not such an object
     */
    public static SelfDrain selfDrain(Machine machine, String body, Instant now, DrainBounds bounds) {
        String own = ownNode(machine);
        ObjectNode fields = object(body);
        JsonNode node = fields.remove("node");
        if (node != null && !node.isNull() && !own.equalsIgnoreCase(node.asText())) {
            throw forbidden(machine, "an agent drains only itself (" + own + ")");
        }
        JsonNode reason = fields.get("reason");
        if (reason == null || reason.isNull()) {
            fields.put("reason", DrainReason.SHUTDOWN.wireName());
        }
        DrainOrder order = DrainOrder.parse(fields.toString(), now);
        if (order.deleteInstance()) {
            throw forbidden(machine, "deleteInstance is for the operator and the capacity check; an agent's VM is deleted by"
                    + " whoever deletes it");
        }
        if (!AGENT_DRAIN_REASONS.contains(order.reason())) {
            throw forbidden(machine, "an agent drains itself only for shutdown, terminate-notification or preempt, not "
                    + order.reason().wireName());
        }
        Instant deadline = order.deadline().orElse(now.plus(bounds.whenNoneGiven()));
        if (deadline.isBefore(now.plus(bounds.shortest())) || deadline.isAfter(now.plus(bounds.longest()))) {
            throw forbidden(machine, "an agent's drain deadline is from " + bounds.shortest() + " to " + bounds.longest()
                    + " ahead");
        }
        return new SelfDrain(own, new DrainOrder(order.reason(), false, Optional.of(deadline)));
    }

    /**
     * The node whose drain the machine may read and request: its own, by the hostname its swarm node carries.
     *
     * @throws TrustRefusal FORBIDDEN for a manager (managers are never drained by this path)
     */
    public static String ownNode(Machine machine) {
        if (machine.kind() != Machine.Kind.AGENT || machine.computerName() == null || machine.computerName().isBlank()) {
            throw forbidden(machine, "only an agent drains itself; managers are never drained by this path");
        }
        return machine.computerName();
    }

    private static ObjectNode object(String body) {
        if (body == null || body.isBlank()) {
            return JSON.createObjectNode();
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new DrainRejectedException(DrainRejectedException.Kind.INVALID_BODY, "body is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new DrainRejectedException(DrainRejectedException.Kind.INVALID_BODY, "body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    private static TrustRefusal forbidden(Machine machine, String message) {
        return new TrustRefusal(Kind.FORBIDDEN, message, machine.describe());
    }
}
