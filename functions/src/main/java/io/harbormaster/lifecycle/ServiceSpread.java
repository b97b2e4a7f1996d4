package io.harbormaster.lifecycle;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Task;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a service's tasks are spread over its eligible nodes: a count per node, zero included. Even when the most
 * crowded node has at most one task more than the lightest, the rebalance's stopping point.
 */
record ServiceSpread(Map<Node, Integer> counts) {

    ServiceSpread {
        counts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(counts));
    }

    /** {@code eligible} in order, each with the number of {@code tasks} placed on it. */
    static ServiceSpread of(List<Node> eligible, List<Task> tasks) {
        Map<Node, Integer> counts = new LinkedHashMap<>();
        for (Node node : eligible) {
            counts.put(node, (int) tasks.stream().filter(task -> node.id().equals(task.nodeId())).count());
        }
        return new ServiceSpread(counts);
    }

    int count(Node node) {
        return counts.getOrDefault(node, 0);
    }

    int most() {
        return counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    int fewest() {
        return counts.values().stream().mapToInt(Integer::intValue).min().orElse(0);
    }

    boolean even() {
        return most() - fewest() <= 1;
    }

    /** The node with the most copies, the first in order among equals: the one swarm's scale-down takes from. */
    Node mostCrowded() {
        Node crowded = null;
        for (Map.Entry<Node, Integer> entry : counts.entrySet()) {
            if (crowded == null || entry.getValue() > counts.get(crowded)) {
                crowded = entry.getKey();
            }
        }
        return crowded;
    }

    /** "a1=4 a2=4 a3=0", for reasons. */
    String describe() {
        StringBuilder text = new StringBuilder();
        counts.forEach((node, count) -> text.append(text.length() == 0 ? "" : " ").append(node.hostname()).append('=').append(count));
        return text.toString();
    }
}
