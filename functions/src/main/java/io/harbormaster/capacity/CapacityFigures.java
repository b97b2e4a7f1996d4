package io.harbormaster.capacity;

import io.harbormaster.metrics.ClusterFigures;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** A snapshot's figures for the gauges, a pure function: nodes by state, pending tasks, replicas, drains by state. */
final class CapacityFigures {
    /** The node label that names an agent's pool; nodes without it count in the pool "default". */
    static final String POOL_LABEL = Pool.POOL_LABEL;

    private CapacityFigures() {
    }

    static ClusterFigures of(CapacitySnapshot snapshot, long maxAgents) {
        Map<List<String>, Long> nodes = new HashMap<>();
        for (Node node : snapshot.nodes()) {
            List<String> key = List.of(lower(node.state()), lower(node.availability()), lower(node.role()),
                    node.labels().getOrDefault(POOL_LABEL, "default"));
            nodes.merge(key, 1L, Long::sum);
        }
        Set<String> replicated = snapshot.services().stream().filter(service -> service.mode() == Service.Mode.REPLICATED)
                .map(Service::id).collect(Collectors.toSet());
        long desired = snapshot.services().stream().filter(service -> service.mode() == Service.Mode.REPLICATED)
                .mapToLong(Service::replicas).sum();
        long running = 0;
        long pending = 0;
        for (Task task : snapshot.tasks()) {
            if (!task.desiredRunning()) {
                continue;
            }
            if (task.unplaced()) {
                pending++;
            } else if (task.running() && replicated.contains(task.serviceId())) {
                running++;
            }
        }
        Map<String, Long> drains = snapshot.drains().stream()
                .collect(Collectors.groupingBy(drain -> drain.state().wireName(), Collectors.counting()));
        long atMaximum = snapshot.scaleSet().capacity() >= maxAgents ? pending : 0;
        return new ClusterFigures(nodes, pending, atMaximum, desired, running, drains, snapshot.takenAt());
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
