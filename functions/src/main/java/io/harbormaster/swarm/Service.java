package io.harbormaster.swarm;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One swarm service, reduced to what capacity planning and draining need: how its tasks are spread, what each
 * reserves, where each may run, and its labels. {@code replicas} is 0 for a global service, and for a job service
 * (the Docker client library reads job modes as neither replicated nor global); {@code constraints} are Docker's
 * placement constraints as written ({@code node.labels.zone==a}); {@code preferences} the spread descriptors of its
 * placement preferences ({@code node.labels.zone} for {@code --placement-pref spread=node.labels.zone}), in order;
 * {@code version} guards a replica change against lost writes.
 */
public record Service(String id, String name, Mode mode, long replicas, Resources reservations, List<String> constraints,
        long version, Map<String, String> labels, List<String> preferences) {

    /** The service label that opts a service into surge drains: {@code io.harbormaster.drain=surge}. */
    public static final String DRAIN_LABEL = "io.harbormaster.drain";
    public static final String SURGE = "surge";
    /**
     * The rebalance's record of a move under way ({@code lifecycle.MoveIntent}): the replica count before the move
     * added its one extra replica.
     */
    public static final String MOVE_REPLICAS_LABEL = "io.harbormaster.rebalance.replicas";

    public Service {
        constraints = List.copyOf(constraints);
        labels = Map.copyOf(labels);
        preferences = List.copyOf(preferences);
    }

    /** A service without placement preferences. */
    public Service(String id, String name, Mode mode, long replicas, Resources reservations, List<String> constraints,
            long version, Map<String, String> labels) {
        this(id, name, mode, replicas, reservations, constraints, version, labels, List.of());
    }

    /** A service as capacity planning sees it, without version or labels. */
    public Service(String id, String name, Mode mode, long replicas, Resources reservations, List<String> constraints) {
        this(id, name, mode, replicas, reservations, constraints, 0, Map.of(), List.of());
    }

    /** Replicated services place a count of tasks anywhere; global ones one task on every eligible node. */
    public enum Mode { REPLICATED, GLOBAL }

    public boolean global() {
        return mode == Mode.GLOBAL;
    }

    /**
     * Whether a drain keeps this service's running replicas at or above desired: only a replicated service with
     * replicas, labelled {@code io.harbormaster.drain=surge}. Global and job services cannot be scaled up by a count.
     */
    public boolean surgeOnDrain() {
        return mode == Mode.REPLICATED && replicas > 0 && SURGE.equals(labels.get(DRAIN_LABEL));
    }

    /**
     * The replica count the service's owner set: while a rebalance move is under way the service runs one replica more
     * and records the count before it, which is the count a surge drain must come back to (RollingUpgradeIT: a drain
     * that began mid-move took the move's 9 as the owner's 8, and the service kept 9).
     */
    public long ownReplicas() {
        OptionalLong before = replicasBeforeMove();
        return before.isPresent() && replicas == before.getAsLong() + 1 ? before.getAsLong() : replicas;
    }

    /**
     * The replica count a rebalance move recorded before its extra replica ({@link #MOVE_REPLICAS_LABEL}), or empty
     * when none is recorded or the label is not a count of at least 1 (then it is no move of ours).
     */
    public OptionalLong replicasBeforeMove() {
        String before = labels.get(MOVE_REPLICAS_LABEL);
        if (before == null) {
            return OptionalLong.empty();
        }
        try {
            long original = Long.parseLong(before.trim());
            return original >= 1 ? OptionalLong.of(original) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
