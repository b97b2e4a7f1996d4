package io.harbormaster.drain;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Task;
import java.util.List;
import java.util.Optional;

/** What the swarm showed of a draining node in one pass: the node, its tasks, and their services' running tasks. */
public record DrainSnapshot(Optional<Node> node, List<Task> tasksOnNode, List<Task> servicesDesiredRunning) {
    public DrainSnapshot {
        tasksOnNode = List.copyOf(tasksOnNode);
        servicesDesiredRunning = List.copyOf(servicesDesiredRunning);
    }
}
