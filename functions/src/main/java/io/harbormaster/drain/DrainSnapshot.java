package io.harbormaster.drain;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.util.List;
import java.util.Optional;

/**
 * What the swarm showed of a draining node in one pass: the node, its tasks, and their services' running tasks;
 * {@code services} is read only while a surge is to be planned or is outstanding, and is empty otherwise;
 * {@code outlook} (the scale set's) only when the drain may be stranded (see {@link Stranding}), and is empty otherwise.
 */
public record DrainSnapshot(Optional<Node> node, List<Task> tasksOnNode, List<Task> servicesDesiredRunning,
        List<Service> services, Optional<ScaleOutOutlook> outlook) {
    public DrainSnapshot {
        tasksOnNode = List.copyOf(tasksOnNode);
        servicesDesiredRunning = List.copyOf(servicesDesiredRunning);
        services = List.copyOf(services);
    }

    public DrainSnapshot(Optional<Node> node, List<Task> tasksOnNode, List<Task> servicesDesiredRunning,
            List<Service> services) {
        this(node, tasksOnNode, servicesDesiredRunning, services, Optional.empty());
    }

    public DrainSnapshot(Optional<Node> node, List<Task> tasksOnNode, List<Task> servicesDesiredRunning) {
        this(node, tasksOnNode, servicesDesiredRunning, List.of());
    }
}
