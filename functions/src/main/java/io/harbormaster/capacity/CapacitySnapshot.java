package io.harbormaster.capacity;

import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What one capacity check read, all of it before deciding anything.
 *
 * @param tasks every task whose desired state is running, on a node or not yet placed
 * @param services every service; without them all tasks count as replicated and unconstrained
 * @param drains every stored drain status that is unfinished, and the latest one of each node carrying
 *               {@link io.harbormaster.drain.DrainProgress#REQUEST_LABEL}
 */
public record CapacitySnapshot(
        List<Node> nodes,
        List<Task> tasks,
        List<Service> services,
        ScaleSetModel scaleSet,
        List<ScaleSetInstance> instances,
        List<DrainStatus> drains,
        Instant takenAt) {

    public CapacitySnapshot {
        nodes = List.copyOf(nodes);
        tasks = List.copyOf(tasks);
        services = List.copyOf(services);
        Objects.requireNonNull(scaleSet, "scaleSet");
        instances = List.copyOf(instances);
        drains = List.copyOf(drains);
        Objects.requireNonNull(takenAt, "takenAt");
    }
}
