package io.harbormaster.metrics;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the last capacity check saw, as the gauges report it.
 *
 * @param nodes count of nodes by their labels (state, availability, role, pool)
 * @param pendingAtMaximum the pending tasks when the scale set is at its maximum (no more room can come), else 0
 * @param drains count of drains on record by state
 * @param at when the check saw it
 */
public record ClusterFigures(Map<List<String>, Long> nodes, long pendingTasks, long pendingAtMaximum, long desiredReplicas,
        long runningReplicas, Map<String, Long> drains, Instant at) {
    /** The order of a node key's labels. */
    public static final List<String> NODE_LABELS = List.of("state", "availability", "role", "pool");

    public static final ClusterFigures NONE = new ClusterFigures(Map.of(), 0, 0, 0, 0, Map.of(), Instant.EPOCH);

    public ClusterFigures {
        nodes = Map.copyOf(nodes);
        drains = Map.copyOf(drains);
        nodes.keySet().forEach(key -> {
            if (key.size() != NODE_LABELS.size()) {
                throw new IllegalArgumentException("a node key has " + NODE_LABELS.size() + " labels: " + key);
            }
        });
    }
}
