package io.harbormaster.capacity;

import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Task;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which pool each node, task and drain of a fleet snapshot belongs to, and the pool's own snapshot from that.
 *
 * <p>A worker node belongs to the pool one of whose instances has its hostname as computer name; a worker matching no
 * instance to the pool its {@code io.harbormaster.pool} label names, else to the first pool, so that the rules about
 * nodes without an instance (a down node's removal) see it exactly once. Managers belong to no pool and are in every
 * pool's snapshot: the guard counts them, and no rule acts on them. A task goes with its node; a pending task without
 * a node to the pool the expander chose ({@link PoolExpander}), else to the first pool, whose notes then say why it
 * waits. A drain goes with its hostname's node or instance, else to the first pool. Services are in every snapshot.
 */
final class FleetPartition {
    private FleetPartition() {
    }

    /** The pool of each worker node, by node id, in the order of the setting. */
    record NodePools(Map<String, String> poolByNode, Map<String, String> poolByHostname, Set<String> managers) {
        String poolOf(String nodeId) {
            return poolByNode.get(nodeId);
        }
    }

    static NodePools nodePools(FleetSnapshot fleet) {
        Map<String, String> byHostname = new HashMap<>();
        Set<String> pools = new HashSet<>();
        for (FleetSnapshot.PoolReading reading : fleet.pools()) {
            pools.add(reading.pool().name());
            for (ScaleSetInstance instance : reading.instances()) {
                if (instance.computerName() != null) {
                    byHostname.putIfAbsent(ClusterIndex.key(instance.computerName()), reading.pool().name());
                }
            }
        }
        String first = fleet.pools().get(0).pool().name();
        Map<String, String> byNode = new HashMap<>();
        Set<String> managers = new HashSet<>();
        for (Node node : fleet.nodes()) {
            if (node.isManager()) {
                managers.add(node.id());
                continue;
            }
            String pool = byHostname.get(ClusterIndex.key(node.hostname()));
            if (pool == null) {
                String labelled = node.labels().get(Pool.POOL_LABEL);
                pool = labelled != null && pools.contains(labelled) ? labelled : first;
                byHostname.putIfAbsent(ClusterIndex.key(node.hostname()), pool);
            }
            byNode.put(node.id(), pool);
        }
        return new NodePools(byNode, byHostname, managers);
    }

    /**
     * Each pool's snapshot, in the order of the setting.
     *
     * @param pendingPools the expander's pool for each pending task it placed, by task id
     */
    static Map<String, CapacitySnapshot> split(FleetSnapshot fleet, NodePools nodePools, Map<String, String> pendingPools) {
        String first = fleet.pools().get(0).pool().name();
        Map<String, Share> shares = new LinkedHashMap<>();
        for (FleetSnapshot.PoolReading reading : fleet.pools()) {
            shares.put(reading.pool().name(), new Share());
        }
        // One lookup per task: its node's share, or null for a manager's (every share) or no node's.
        Map<String, Share> shareByNode = new HashMap<>();
        for (Node node : fleet.nodes()) {
            if (nodePools.managers().contains(node.id())) {
                shares.values().forEach(share -> share.nodes.add(node));
            } else {
                Share share = shares.get(nodePools.poolOf(node.id()));
                share.nodes.add(node);
                shareByNode.put(node.id(), share);
            }
        }
        for (Task task : fleet.tasks()) {
            Share share = task.nodeId() == null ? null : shareByNode.get(task.nodeId());
            if (share != null) {
                share.tasks.add(task);
            } else if (task.nodeId() != null && nodePools.managers().contains(task.nodeId())) {
                shares.values().forEach(every -> every.tasks.add(task));
            } else {
                shares.get(pendingPools.getOrDefault(task.id(), first)).tasks.add(task);
            }
        }
        for (DrainStatus drain : fleet.drains()) {
            String pool = nodePools.poolByHostname().getOrDefault(ClusterIndex.key(drain.request().hostname()), first);
            shares.get(pool).drains.add(drain);
        }
        Map<String, CapacitySnapshot> snapshots = new LinkedHashMap<>();
        for (FleetSnapshot.PoolReading reading : fleet.pools()) {
            Share share = shares.get(reading.pool().name());
            snapshots.put(reading.pool().name(), new CapacitySnapshot(share.nodes, share.tasks, fleet.services(),
                    reading.scaleSet(), reading.instances(), share.drains, fleet.takenAt()));
        }
        return snapshots;
    }

    private static final class Share {
        final List<Node> nodes = new ArrayList<>();
        final List<Task> tasks = new ArrayList<>();
        final List<DrainStatus> drains = new ArrayList<>();
    }
}
