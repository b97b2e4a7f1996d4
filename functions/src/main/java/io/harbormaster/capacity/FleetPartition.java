package io.harbormaster.capacity;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
 * The shares are cut over the fleet's index ({@link FleetIndex#shares}), which walks the tasks once per check.
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
        Map<String, CapacitySnapshot> snapshots = new LinkedHashMap<>();
        FleetIndex.of(fleet, nodePools).shares(pendingPools).forEach((pool, share) -> snapshots.put(pool, share.snapshot()));
        return snapshots;
    }
}
