package io.harbormaster.capacity;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Task;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pool's labels on each node of its instances: the pool's own, its name, SKU, zone and priority. The control plane
 * knows the instance's pool from the scale set that lists it; a node never claims a pool. Idempotent: a node that
 * carries them all already gets no action, so a node-joined event's check labels a new node and later checks do
 * nothing. Only the labels of the pool change; the node's others (a drain's, an operator's) are kept.
 */
final class PoolLabelRule {
    private PoolLabelRule() {
    }

    /** @param sku the pool's scale set's SKU as read this check */
    static List<CapacityAction.LabelNode> decide(Pool pool, String sku, List<Node> nodes, List<ScaleSetInstance> instances) {
        Map<String, ScaleSetInstance> byName = new HashMap<>();
        for (ScaleSetInstance instance : instances) {
            if (instance.computerName() != null) {
                byName.put(ClusterIndex.key(instance.computerName()), instance);
            }
        }
        List<CapacityAction.LabelNode> actions = new ArrayList<>();
        Map<String, Map<String, String>> wantedByZone = new HashMap<>();
        for (Node node : nodes) {
            ScaleSetInstance instance = node.isManager() ? null : byName.get(ClusterIndex.key(node.hostname()));
            if (instance == null) {
                continue;
            }
            // The zone ARM placed the instance in, "none" outside zones; one set of labels per zone, not per node.
            Map<String, String> wanted = wantedByZone.computeIfAbsent(instance.zone(), zone -> pool.nodeLabels(sku, zone));
            Map<String, String> missing = new LinkedHashMap<>();
            wanted.forEach((key, value) -> {
                if (!value.equals(node.labels().get(key))) {
                    missing.put(key, value);
                }
            });
            if (missing.isEmpty()) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>(node.labels());
            labels.putAll(missing);
            actions.add(new CapacityAction.LabelNode(node, pool.name(), labels, "instance " + instance.instanceId()
                    + " of scale set " + pool.scaleSetName() + " is in pool " + pool.name() + "; its node lacks " + missing));
        }
        return actions;
    }

    /**
     * The pool's share as it will be once the labels are set: the nodes carry them, and a pending task that swarm
     * left for its constraints and that a newly labelled node now satisfies, with room for it, is left out, since
     * swarm places it there once the label is set. Without this a node that joins and is labelled in one check would
     * be followed by a second scale-out for the task it is about to take.
     *
     * @return the snapshot to plan, and how many pending tasks were left out
     */
    static Relabelled afterLabels(CapacitySnapshot snapshot, List<CapacityAction.LabelNode> labels) {
        if (labels.isEmpty()) {
            return new Relabelled(snapshot, 0);
        }
        Map<String, Map<String, String>> newLabels = new HashMap<>();
        labels.forEach(label -> newLabels.put(label.node().id(), label.labels()));
        List<Node> nodes = new ArrayList<>();
        Map<String, long[]> room = new LinkedHashMap<>();
        for (Node node : snapshot.nodes()) {
            Map<String, String> relabelled = newLabels.get(node.id());
            if (relabelled == null) {
                nodes.add(node);
                continue;
            }
            Node labelled = new Node(node.id(), node.version(), node.hostname(), node.role(), node.availability(),
                    node.state(), relabelled, node.resources(), node.createdAt(), node.reachability(), node.platform());
            nodes.add(labelled);
            if (labelled.state() == Node.State.READY && labelled.availability() == Node.Availability.ACTIVE) {
                room.put(node.id(), new long[] {node.resources().nanoCpus(), node.resources().memoryBytes()});
            }
        }
        for (Task task : snapshot.tasks()) {
            long[] free = task.nodeId() == null ? null : room.get(task.nodeId());
            if (free != null && task.desiredRunning() && task.live()) {
                free[0] -= task.reservations().nanoCpus();
                free[1] -= task.reservations().memoryBytes();
            }
        }
        Map<String, Placement> placements = new HashMap<>();
        snapshot.services().forEach(service -> placements.put(service.id(), Placement.of(service.constraints())));
        Map<String, Node> byId = new HashMap<>();
        nodes.forEach(node -> byId.put(node.id(), node));
        List<Task> tasks = new ArrayList<>();
        int placed = 0;
        for (Task task : snapshot.tasks()) {
            if (!room.isEmpty() && waitsForConstraints(task) && fitsARelabelledNode(task,
                    placements.getOrDefault(task.serviceId(), Placement.ANYWHERE), room, byId)) {
                placed++;
                continue;
            }
            tasks.add(task);
        }
        return new Relabelled(new CapacitySnapshot(nodes, tasks, snapshot.services(), snapshot.scaleSet(),
                snapshot.instances(), snapshot.drains(), snapshot.takenAt()), placed);
    }

    /** The snapshot to plan once the labels are set, and how many pending tasks a relabelled node takes. */
    record Relabelled(CapacitySnapshot snapshot, int placedOnRelabelled) {
    }

    private static boolean waitsForConstraints(Task task) {
        return task.desiredRunning() && "pending".equals(task.state())
                && (task.nodeId() == null || task.nodeId().isEmpty()) && task.message() != null
                && PendingTaskRule.newAgentMayPlace(task.message(), true)
                && !PendingTaskRule.newAgentMayPlace(task.message(), false);
    }

    private static boolean fitsARelabelledNode(Task task, Placement placement, Map<String, long[]> room,
            Map<String, Node> nodes) {
        for (Map.Entry<String, long[]> entry : room.entrySet()) {
            long[] free = entry.getValue();
            if (free[0] >= task.reservations().nanoCpus() && free[1] >= task.reservations().memoryBytes()
                    && placement.allows(nodes.get(entry.getKey()))) {
                free[0] -= task.reservations().nanoCpus();
                free[1] -= task.reservations().memoryBytes();
                return true;
            }
        }
        return false;
    }
}
