package io.harbormaster.swarm;

import java.util.List;

/**
 * One swarm service, reduced to what capacity planning needs: how its tasks are spread, what each reserves and where
 * each may run. {@code replicas} is 0 for a global service; {@code constraints} are Docker's placement constraints
 * as written ({@code node.labels.zone==a}).
 */
public record Service(String id, String name, Mode mode, long replicas, Resources reservations, List<String> constraints) {

    public Service {
        constraints = List.copyOf(constraints);
    }

    /** Replicated services place a count of tasks anywhere; global ones one task on every eligible node. */
    public enum Mode { REPLICATED, GLOBAL }

    public boolean global() {
        return mode == Mode.GLOBAL;
    }
}
