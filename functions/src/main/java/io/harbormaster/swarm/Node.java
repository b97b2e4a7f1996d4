package io.harbormaster.swarm;

import java.time.Instant;
import java.util.Map;

/**
 * One swarm node as the managers last reported it; {@code version} guards updates against lost writes.
 *
 * @param reachability a manager's Raft reachability as the managers see it; {@link Reachability#NOT_A_MANAGER} for a
 *                     worker
 * @param platform the OS and architecture its engine reports, which {@code node.platform.*} constraints match;
 *                 {@link NodePlatform#LINUX_X86_64} when not read (the engine's listing always gives it)
 */
public record Node(
        String id,
        long version,
        String hostname,
        SwarmRole role,
        Availability availability,
        State state,
        Map<String, String> labels,
        Resources resources,
        Instant createdAt,
        Reachability reachability,
        NodePlatform platform) {

    public Node {
        labels = Map.copyOf(labels);
        if (platform == null) {
            platform = NodePlatform.LINUX_X86_64;
        }
        if (reachability == null) {
            reachability = role == SwarmRole.MANAGER ? Reachability.REACHABLE : Reachability.NOT_A_MANAGER;
        }
    }

    /** A node whose reachability is not read: a manager counts as reachable, as one that answered a list does. */
    public Node(String id, long version, String hostname, SwarmRole role, Availability availability, State state,
            Map<String, String> labels, Resources resources, Instant createdAt) {
        this(id, version, hostname, role, availability, state, labels, resources, createdAt, null, null);
    }

    /** A node whose platform is not read. */
    public Node(String id, long version, String hostname, SwarmRole role, Availability availability, State state,
            Map<String, String> labels, Resources resources, Instant createdAt, Reachability reachability) {
        this(id, version, hostname, role, availability, state, labels, resources, createdAt, reachability, null);
    }

    /** A manager's place in the Raft quorum, as {@code docker node ls} shows it (Leader counts as reachable). */
    public enum Reachability { REACHABLE, UNREACHABLE, UNKNOWN, NOT_A_MANAGER }

    /** Whether the scheduler may place tasks on the node. */
    public enum Availability { ACTIVE, PAUSE, DRAIN }

    /** The node's heartbeat state: only a DOWN node can be removed without force. */
    public enum State { READY, DOWN, DISCONNECTED, UNKNOWN }

    public boolean isManager() {
        return role == SwarmRole.MANAGER;
    }
}
