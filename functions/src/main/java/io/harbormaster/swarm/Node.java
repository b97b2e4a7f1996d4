package io.harbormaster.swarm;

import java.time.Instant;
import java.util.Map;

/** One swarm node as the managers last reported it; {@code version} guards updates against lost writes. */
public record Node(
        String id,
        long version,
        String hostname,
        SwarmRole role,
        Availability availability,
        State state,
        Map<String, String> labels,
        Resources resources,
        Instant createdAt) {

    public Node {
        labels = Map.copyOf(labels);
    }

    /** Whether the scheduler may place tasks on the node. */
    public enum Availability { ACTIVE, PAUSE, DRAIN }

    /** The node's heartbeat state: only a DOWN node can be removed without force. */
    public enum State { READY, DOWN, DISCONNECTED, UNKNOWN }

    public boolean isManager() {
        return role == SwarmRole.MANAGER;
    }
}
