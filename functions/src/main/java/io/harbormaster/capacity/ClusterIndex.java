package io.harbormaster.capacity;

import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A snapshot indexed once, so that no rule walks nodes times tasks: tasks and reservations by node, instances
 * matched to nodes by computer name, drains by request id and by hostname. A pool's index reads the tasks from the
 * fleet's ({@link FleetIndex}), built once per check, and indexes only its own instances and drains.
 */
final class ClusterIndex {
    private final FleetIndex fleet;
    private final List<Task> pending;
    private final Map<String, ScaleSetInstance> instanceByNode = new HashMap<>();
    private final Map<String, Node> nodeByInstance = new HashMap<>();
    private final Map<String, Integer> instancesByName = new HashMap<>();
    private final Map<String, DrainStatus> drainByRequest = new LinkedHashMap<>();
    private final Map<String, DrainStatus> unfinishedDrainByHostname = new HashMap<>();
    private final Map<String, DrainStatus> latestDrainByHostname = new HashMap<>();
    /** Per hostname, the node a new drain of that name addresses: the live, newest one. */
    private final Map<String, Node> newestByHostname = new HashMap<>();

    ClusterIndex(CapacitySnapshot snapshot) {
        this(snapshot, FleetIndex.of(snapshot));
    }

    private ClusterIndex(CapacitySnapshot snapshot, FleetIndex fleet) {
        this(snapshot, fleet, fleet.pending());
    }

    /**
     * One pool's index over the fleet's.
     *
     * @param snapshot the pool's share of the fleet ({@link FleetIndex.Share})
     * @param pending the share's desired-running tasks that no node has taken yet, in the snapshot's order
     */
    ClusterIndex(CapacitySnapshot snapshot, FleetIndex fleet, List<Task> pending) {
        this.fleet = fleet;
        this.pending = List.copyOf(pending);
        matchInstances(snapshot);
        for (DrainStatus status : snapshot.drains()) {
            drainByRequest.merge(status.request().requestId(), status,
                    (a, b) -> a.updatedAt().isAfter(b.updatedAt()) ? a : b);
            if (!status.finished()) {
                unfinishedDrainByHostname.put(key(status.request().hostname()), status);
            }
            latestDrainByHostname.merge(key(status.request().hostname()), status,
                    (a, b) -> a.updatedAt().isAfter(b.updatedAt()) ? a : b);
        }
    }

    private void matchInstances(CapacitySnapshot snapshot) {
        Map<String, List<Node>> nodesByName = new HashMap<>();
        for (Node node : snapshot.nodes()) {
            nodesByName.computeIfAbsent(key(node.hostname()), name -> new ArrayList<>()).add(node);
            newestByHostname.merge(key(node.hostname()), node, (a, b) -> rank(a, b) >= 0 ? a : b);
        }
        for (ScaleSetInstance instance : snapshot.instances()) {
            if (instance.computerName() == null) {
                continue;
            }
            instancesByName.merge(key(instance.computerName()), 1, Integer::sum);
            List<Node> named = nodesByName.get(key(instance.computerName()));
            if (named == null) {
                continue;
            }
            // A re-created VM leaves its old node behind, down: the instance belongs to the live, newest one.
            Node best = null;
            for (Node node : named) {
                if (best == null || rank(node, best) > 0) {
                    best = node;
                }
            }
            if (!instanceByNode.containsKey(best.id())) {
                instanceByNode.put(best.id(), instance);
                nodeByInstance.put(instance.instanceId(), best);
            }
        }
    }

    private static int rank(Node a, Node b) {
        boolean aUp = a.state() != Node.State.DOWN;
        boolean bUp = b.state() != Node.State.DOWN;
        if (aUp != bUp) {
            return aUp ? 1 : -1;
        }
        return a.createdAt().compareTo(b.createdAt());
    }

    static String key(String hostname) {
        return hostname == null ? "" : hostname.toLowerCase(Locale.ROOT);
    }

    Service service(String serviceId) {
        return fleet.service(serviceId);
    }

    boolean global(Task task) {
        Service service = service(task.serviceId());
        return service != null && service.global();
    }

    Placement placement(String serviceId) {
        return fleet.placement(serviceId);
    }

    /** The desired-running tasks that hold resources on the node. */
    List<Task> tasksOn(Node node) {
        return fleet.tasksOn(node.id());
    }

    Resources usage(Node node) {
        return fleet.usage(node.id());
    }

    Resources free(Node node) {
        return node.resources().minus(usage(node));
    }

    /** The larger of the node's reserved CPU and memory shares; NaN when the node reports no resources. */
    double utilisation(Node node) {
        Resources capacity = node.resources();
        if (capacity.nanoCpus() <= 0 || capacity.memoryBytes() <= 0) {
            return Double.NaN;
        }
        Resources usage = usage(node);
        return Math.max((double) usage.nanoCpus() / capacity.nanoCpus(),
                (double) usage.memoryBytes() / capacity.memoryBytes());
    }

    /** Desired-running tasks that no node has taken yet. */
    List<Task> pending() {
        return pending;
    }

    ScaleSetInstance instanceOf(Node node) {
        return instanceByNode.get(node.id());
    }

    /** Whether another listed instance has the same computer name; a scale-in could not say which one it deletes. */
    boolean sharesComputerName(ScaleSetInstance instance) {
        return instancesByName.getOrDefault(key(instance.computerName()), 0) > 1;
    }

    Node nodeOf(ScaleSetInstance instance) {
        return nodeByInstance.get(instance.instanceId());
    }

    /**
     * The node that took this node's hostname since (a VM re-created or restarted without its swarm state), live and
     * newer; null when this node is that hostname's live, newest one. A drain of the hostname now addresses that node.
     */
    Node successorOf(Node node) {
        Node newest = newestByHostname.get(key(node.hostname()));
        return newest == null || newest.id().equals(node.id()) || rank(newest, node) <= 0 ? null : newest;
    }

    DrainStatus drain(String requestId) {
        return requestId == null ? null : drainByRequest.get(requestId);
    }

    DrainStatus unfinishedDrainOf(String hostname) {
        return unfinishedDrainByHostname.get(key(hostname));
    }

    /** The node's most recent drain, finished or not; null when none is stored. */
    DrainStatus latestDrainOf(String hostname) {
        return latestDrainByHostname.get(key(hostname));
    }

    Iterable<DrainStatus> drains() {
        return drainByRequest.values();
    }
}
