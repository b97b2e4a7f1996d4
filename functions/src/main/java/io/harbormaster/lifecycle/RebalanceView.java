package io.harbormaster.lifecycle;

import io.harbormaster.capacity.CapacitySnapshot;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a rebalance decides on: the nodes, every task whose desired state is running, the services, and the drains
 * (unfinished ones keep their nodes and surged services out of it).
 */
public record RebalanceView(List<Node> nodes, List<Task> tasks, List<Service> services, List<DrainStatus> drains,
        Instant at) {

    public RebalanceView {
        nodes = List.copyOf(nodes);
        tasks = List.copyOf(tasks);
        services = List.copyOf(services);
        drains = List.copyOf(drains);
    }

    /** The capacity check's snapshot, read once for both. */
    public static RebalanceView of(CapacitySnapshot snapshot) {
        return new RebalanceView(snapshot.nodes(), snapshot.tasks(), snapshot.services(), snapshot.drains(),
                snapshot.takenAt());
    }

    /** The tasks of one service, desired running. */
    public List<Task> tasksOf(String serviceId) {
        return tasks.stream().filter(task -> serviceId.equals(task.serviceId()) && task.desiredRunning()).toList();
    }

    /** Ids of the nodes an unfinished drain is taking out. */
    public Set<String> drainingNodeIds() {
        Set<String> ids = new HashSet<>();
        for (DrainStatus drain : drains) {
            if (!drain.finished()) {
                ids.add(drain.request().nodeId());
            }
        }
        return ids;
    }

    /** Ids of the services an unfinished surge drain scales: theirs to restore, not ours to move. */
    public Set<String> surgedServiceIds() {
        Set<String> ids = new HashSet<>();
        for (DrainStatus drain : drains) {
            if (!drain.finished()) {
                drain.surge().forEach(entry -> ids.add(entry.serviceId()));
            }
        }
        return ids;
    }
}
