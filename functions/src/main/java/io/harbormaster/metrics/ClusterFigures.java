package io.harbormaster.metrics;

import java.util.List;
import java.util.Map;

/**
 * What the last capacity check saw, as the gauges report it.
 *
 * @param nodes count of nodes by their labels (state, availability, role, pool)
 * @param drains count of drains on record by state
 */
public record ClusterFigures(Map<List<String>, Long> nodes, long pendingTasks, long desiredReplicas, long runningReplicas,
        Map<String, Long> drains) {
    /** The order of a node key's labels. */
    public static final List<String> NODE_LABELS = List.of("state", "availability", "role", "pool");

    public static final ClusterFigures NONE = new ClusterFigures(Map.of(), 0, 0, 0, Map.of());

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
