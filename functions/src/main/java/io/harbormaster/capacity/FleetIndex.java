package io.harbormaster.capacity;

import io.harbormaster.drain.DrainStatus;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The swarm's side of one check indexed once for the whole fleet: services and their placements, the tasks that hold
 * resources and their reservations by node, the pending tasks, and the pool each task goes with
 * ({@link FleetPartition}). The expander, the partition and every pool's {@link ClusterIndex} read it, so a check
 * walks its tasks once, whatever the number of pools; a pool's share is a filter over it.
 */
final class FleetIndex {
    /** The pool number of a task on a manager: it is in every pool's share. */
    private static final int EVERY_POOL = -1;
    /** The pool number of a task on no known node: the expander's pool, else the first. */
    private static final int NO_POOL = -2;

    /** A node's tasks that hold resources, in the snapshot's order, and what they reserve. */
    private static final class NodeTasks {
        final int pool;
        final List<Task> holding = new ArrayList<>();
        long cpu;
        long memory;
        /** The generic resources reserved, by kind; null until a task reserves one. */
        Map<String, Long> generic;

        NodeTasks(int pool) {
            this.pool = pool;
        }
    }

    private final FleetSnapshot fleet;
    private final FleetPartition.NodePools nodePools;
    private final List<Task> tasks;
    private final Map<String, Integer> poolNumbers = new HashMap<>();
    private final Map<String, Service> services = new HashMap<>();
    private final Map<String, Placement> placements = new HashMap<>();
    private final Map<String, NodeTasks> byNode = new HashMap<>();
    /** The pool number of each task, by its position in the snapshot; null for a single scale set's snapshot. */
    private final int[] poolOfTask;
    /** The positions of the desired-running tasks no node has taken yet, in the snapshot's order. */
    private final int[] pending;

    /**
     * @param fleet the fleet whose shares {@link #shares} cuts, or null for a single scale set's snapshot, whose nodes
     *              are all in one pool
     */
    private FleetIndex(FleetSnapshot fleet, FleetPartition.NodePools nodePools, List<Node> nodes, List<Task> tasks,
            List<Service> services) {
        this.fleet = fleet;
        this.nodePools = nodePools;
        this.tasks = tasks;
        if (fleet != null) {
            for (int i = 0; i < fleet.pools().size(); i++) {
                poolNumbers.putIfAbsent(fleet.pools().get(i).pool().name(), i);
            }
        }
        for (Service service : services) {
            this.services.put(service.id(), service);
        }
        for (Node node : nodes) {
            byNode.putIfAbsent(node.id(), new NodeTasks(poolNumber(node)));
        }
        // A single scale set's snapshot is never cut into shares: no pool to record per task.
        poolOfTask = fleet == null ? null : new int[tasks.size()];
        int[] pendingAt = new int[tasks.size()];
        int pendingCount = 0;
        for (int i = 0; i < tasks.size(); i++) {
            Task task = tasks.get(i);
            NodeTasks onNode = task.nodeId() == null ? null : byNode.get(task.nodeId());
            if (poolOfTask != null) {
                poolOfTask[i] = onNode == null ? NO_POOL : onNode.pool;
            }
            if (!task.desiredRunning()) {
                continue;
            }
            if (holdsResources(task)) {
                if (onNode == null) {
                    // A node the listing missed: its tasks still count against it, as swarm counts them.
                    onNode = new NodeTasks(NO_POOL);
                    byNode.put(task.nodeId(), onNode);
                }
                onNode.holding.add(task);
                onNode.cpu += task.reservations().nanoCpus();
                onNode.memory += task.reservations().memoryBytes();
                if (!task.reservations().generic().isEmpty()) {
                    if (onNode.generic == null) {
                        onNode.generic = new HashMap<>();
                    }
                    for (Map.Entry<String, Long> kind : task.reservations().generic().entrySet()) {
                        onNode.generic.merge(kind.getKey(), kind.getValue(), Long::sum);
                    }
                }
            } else if ("pending".equals(task.state())) {
                pendingAt[pendingCount++] = i;
            }
        }
        pending = Arrays.copyOf(pendingAt, pendingCount);
    }

    private int poolNumber(Node node) {
        if (fleet == null) {
            return 0;
        }
        String pool = nodePools.poolOf(node.id());
        if (pool != null) {
            return poolNumbers.get(pool);
        }
        return nodePools.managers().contains(node.id()) ? EVERY_POOL : NO_POOL;
    }

    /** The fleet indexed, its nodes' pools as {@code nodePools} says. */
    static FleetIndex of(FleetSnapshot fleet, FleetPartition.NodePools nodePools) {
        return new FleetIndex(fleet, nodePools, fleet.nodes(), fleet.tasks(), fleet.services());
    }

    /** A single scale set's snapshot (or one pool's share) indexed on its own, as if it were the whole fleet. */
    static FleetIndex of(CapacitySnapshot snapshot) {
        return new FleetIndex(null, null, snapshot.nodes(), snapshot.tasks(), snapshot.services());
    }

    /** Swarm's scheduler counts a task against its node from assignment until it ends. */
    private static boolean holdsResources(Task task) {
        if (task.nodeId() == null || task.nodeId().isEmpty()) {
            return false;
        }
        return switch (task.state()) {
            case "new", "allocated", "pending" -> false;
            default -> task.live();
        };
    }

    /** The fleet indexed; null for a single scale set's snapshot indexed on its own. */
    FleetSnapshot fleet() {
        return fleet;
    }

    /** The pool of each worker node. */
    FleetPartition.NodePools nodePools() {
        return nodePools;
    }

    Service service(String serviceId) {
        return serviceId == null ? null : services.get(serviceId);
    }

    /** The service's placement; {@link Placement#ANYWHERE} for one without constraints or not in the snapshot. */
    Placement placement(String serviceId) {
        Service service = service(serviceId);
        if (service == null || service.constraints().isEmpty()) {
            return Placement.ANYWHERE;
        }
        return placements.computeIfAbsent(serviceId, id -> Placement.of(service.constraints()));
    }

    /** The desired-running tasks that hold resources on the node, in the snapshot's order. */
    List<Task> tasksOn(String nodeId) {
        NodeTasks tasks = byNode.get(nodeId);
        return tasks == null ? List.of() : tasks.holding;
    }

    /** What the node's tasks reserve. */
    Resources usage(String nodeId) {
        NodeTasks tasks = byNode.get(nodeId);
        return tasks == null ? Resources.NONE
                : new Resources(tasks.cpu, tasks.memory, tasks.generic == null ? Map.of() : tasks.generic);
    }

    /** Every desired-running task no node has taken yet, in the snapshot's order. */
    List<Task> pending() {
        List<Task> all = new ArrayList<>(pending.length);
        for (int at : pending) {
            all.add(tasks.get(at));
        }
        return all;
    }

    /**
     * Each pool's share, in the order of the setting: the partition {@link FleetPartition} describes, and the pending
     * tasks of the share, for its {@link ClusterIndex}.
     *
     * @param pendingPools the expander's pool for each pending task it placed, by task id
     */
    Map<String, Share> shares(Map<String, String> pendingPools) {
        List<FleetSnapshot.PoolReading> readings = fleet.pools();
        int count = readings.size();
        List<List<Node>> nodes = lists(count);
        List<List<Task>> pendingTasks = lists(count);
        List<List<DrainStatus>> drains = lists(count);
        for (Node node : fleet.nodes()) {
            if (nodePools.managers().contains(node.id())) {
                nodes.forEach(share -> share.add(node));
            } else {
                nodes.get(poolNumbers.get(nodePools.poolOf(node.id()))).add(node);
            }
        }
        // Each share's tasks filled into an array of its size: the partition copies each task's reference once.
        int[] poolOfEach = new int[tasks.size()];
        int[] sizes = new int[count];
        int everywhere = 0;
        for (int i = 0; i < tasks.size(); i++) {
            int pool = poolOf(i, pendingPools);
            poolOfEach[i] = pool;
            if (pool == EVERY_POOL) {
                everywhere++;
            } else {
                sizes[pool]++;
            }
        }
        Task[][] taskShares = new Task[count][];
        for (int pool = 0; pool < count; pool++) {
            taskShares[pool] = new Task[sizes[pool] + everywhere];
        }
        int[] filled = new int[count];
        for (int i = 0; i < tasks.size(); i++) {
            int pool = poolOfEach[i];
            if (pool == EVERY_POOL) {
                for (int every = 0; every < count; every++) {
                    taskShares[every][filled[every]++] = tasks.get(i);
                }
            } else {
                taskShares[pool][filled[pool]++] = tasks.get(i);
            }
        }
        for (int at : pending) {
            int pool = poolOfEach[at];
            if (pool == EVERY_POOL) {
                pendingTasks.forEach(share -> share.add(tasks.get(at)));
            } else {
                pendingTasks.get(pool).add(tasks.get(at));
            }
        }
        String first = readings.get(0).pool().name();
        for (DrainStatus drain : fleet.drains()) {
            String pool = nodePools.poolByHostname().getOrDefault(ClusterIndex.key(drain.request().hostname()), first);
            drains.get(poolNumbers.get(pool)).add(drain);
        }
        Map<String, Share> shares = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            FleetSnapshot.PoolReading reading = readings.get(i);
            shares.putIfAbsent(reading.pool().name(), new Share(new CapacitySnapshot(nodes.get(i), List.of(taskShares[i]),
                    fleet.services(), reading.scaleSet(), reading.instances(), drains.get(i), fleet.takenAt()),
                    pendingTasks.get(i)));
        }
        return shares;
    }

    /** One pool's share of the fleet, and its pending tasks in the snapshot's order. */
    record Share(CapacitySnapshot snapshot, List<Task> pending) {
    }

    /** The pool number of the task at {@code at}: its node's, every pool's, or the expander's (else the first). */
    private int poolOf(int at, Map<String, String> pendingPools) {
        int pool = poolOfTask[at];
        if (pool != NO_POOL) {
            return pool;
        }
        String chosen = pendingPools.get(tasks.get(at).id());
        return chosen == null ? 0 : poolNumbers.get(chosen);
    }

    private static <T> List<List<T>> lists(int count) {
        List<List<T>> lists = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lists.add(new ArrayList<>());
        }
        return lists;
    }
}
