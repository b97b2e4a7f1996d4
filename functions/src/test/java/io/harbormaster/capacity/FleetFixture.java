package io.harbormaster.capacity;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.Task;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small fleet for the pool tests: pools with their scale sets, agents (a ready worker node and its instance in one
 * pool), managers, services and tasks, and the {@link FleetSnapshot} a check at {@link PlanningFixture#NOW} reads.
 */
final class FleetFixture {
    static final long CPU = PlanningFixture.CPU;
    static final long GIB = PlanningFixture.GIB;

    final Map<String, Pool> pools = new LinkedHashMap<>();
    final Map<String, List<ScaleSetInstance>> instances = new LinkedHashMap<>();
    final Map<String, Long> capacities = new LinkedHashMap<>();
    final List<Node> nodes = new ArrayList<>();
    final List<Task> tasks = new ArrayList<>();
    final List<Service> services = new ArrayList<>();
    private int taskIds;

    Pool pool(String name, int min, int max, Map<String, String> labels, int order, Resources agentSize) {
        Pool pool = new Pool(name, "hm-" + name, min, max, 3, labels, Pool.Priority.REGULAR, order, agentSize,
                CapacityPolicy.ScaleInMode.DELETE, 0, true);
        pools.put(name, pool);
        instances.put(name, new ArrayList<>());
        return pool;
    }

    /** A ready worker of {@code size} with labels, and its instance in the pool. */
    Node agent(String pool, String name, Resources size, Map<String, String> labels) {
        Node node = new Node("id-" + name, 1, name, SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY, labels,
                size, PlanningFixture.minutesAgo(60));
        nodes.add(node);
        instance(pool, name);
        return node;
    }

    ScaleSetInstance instance(String pool, String name) {
        List<ScaleSetInstance> list = instances.get(pool);
        ScaleSetInstance instance = new ScaleSetInstance(String.valueOf(list.size()), name,
                ScaleSetInstance.PowerState.RUNNING, "Succeeded", PlanningFixture.minutesAgo(120), false);
        list.add(instance);
        return instance;
    }

    Node node(String name, SwarmRole role, Map<String, String> labels) {
        Node node = new Node("id-" + name, 1, name, role, Node.Availability.ACTIVE, Node.State.READY, labels,
                PlanningFixture.AGENT, PlanningFixture.minutesAgo(60));
        nodes.add(node);
        return node;
    }

    Service service(String id, double cpus, long memory, String... constraints) {
        Service service = new Service(id, id, Service.Mode.REPLICATED, 1,
                new Resources((long) (cpus * CPU), memory), List.of(constraints));
        services.add(service);
        return service;
    }

    Task run(String nodeName, String serviceId, double cpus, long memory) {
        Task task = new Task("t" + taskIds++, serviceId, "id-" + nodeName, "running", "running", "",
                new Resources((long) (cpus * CPU), memory), PlanningFixture.minutesAgo(30));
        tasks.add(task);
        return task;
    }

    List<Task> pending(int count, String serviceId, double cpus, long memory, String message) {
        List<Task> added = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Task task = new Task("t" + taskIds++, serviceId, null, "running", "pending", message,
                    new Resources((long) (cpus * CPU), memory), PlanningFixture.minutesAgo(1));
            tasks.add(task);
            added.add(task);
        }
        return added;
    }

    FleetSnapshot snapshot() {
        List<FleetSnapshot.PoolReading> readings = new ArrayList<>();
        pools.forEach((name, pool) -> {
            List<ScaleSetInstance> list = instances.get(name);
            long capacity = capacities.getOrDefault(name, (long) list.size());
            readings.add(new FleetSnapshot.PoolReading(pool, new ScaleSetModel("/subscriptions/s/vmss/" + pool.scaleSetName(),
                    pool.scaleSetName(), capacity, "Standard_" + name, ScaleSetModel.OrchestrationMode.UNIFORM, "Succeeded",
                    "etag-" + name), list));
        });
        return new FleetSnapshot(nodes, tasks, services, List.of(), readings, PlanningFixture.NOW);
    }

    static Instant now() {
        return PlanningFixture.NOW;
    }
}
