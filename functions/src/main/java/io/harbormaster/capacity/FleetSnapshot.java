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
 * What one check of every pool read, before deciding anything: the swarm once (3 Docker calls) and, per pool, its
 * scale set and instances. {@link FleetPartition} cuts it into one {@link CapacitySnapshot} per pool.
 *
 * @param pools in the order of the setting; the first takes what belongs to no pool
 */
public record FleetSnapshot(
        List<Node> nodes,
        List<Task> tasks,
        List<Service> services,
        List<DrainStatus> drains,
        List<PoolReading> pools,
        Instant takenAt) {

    /** One pool's scale set as this check read it. */
    public record PoolReading(Pool pool, ScaleSetModel scaleSet, List<ScaleSetInstance> instances) {
        public PoolReading {
            Objects.requireNonNull(pool, "pool");
            Objects.requireNonNull(scaleSet, "scaleSet");
            instances = List.copyOf(instances);
        }
    }

    public FleetSnapshot {
        nodes = List.copyOf(nodes);
        tasks = List.copyOf(tasks);
        services = List.copyOf(services);
        drains = List.copyOf(drains);
        pools = List.copyOf(pools);
        if (pools.isEmpty()) {
            throw new IllegalArgumentException("a fleet has at least one pool");
        }
        Objects.requireNonNull(takenAt, "takenAt");
    }
}
