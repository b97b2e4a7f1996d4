package io.harbormaster.capacity;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.SwarmRole;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Since when each node and instance has been in the state a rule waits on, carried from the last check's history
 * into this one's: the clocks of the unneeded time, the down-node grace, the provisioning timeout and the rejoin grace.
 *
 * @param underUtilisedSince node id to when it was first seen below the scale-in threshold, for active ready workers
 * @param downSince node id to when it was first seen down
 * @param unjoinedSince instance id to when it was first seen without a node
 * @param joinedInstances instance id to the last check that saw it with its node
 */
record Tracking(
        Map<String, Instant> underUtilisedSince,
        Map<String, Instant> downSince,
        Map<String, Instant> unjoinedSince,
        Map<String, Instant> joinedInstances) {

    Tracking {
        // Views, not copies: the maps are built once below and a thousand-node cluster need not pay twice.
        underUtilisedSince = Collections.unmodifiableMap(underUtilisedSince);
        downSince = Collections.unmodifiableMap(downSince);
        unjoinedSince = Collections.unmodifiableMap(unjoinedSince);
        joinedInstances = Collections.unmodifiableMap(joinedInstances);
    }

    static Tracking of(CapacitySnapshot snapshot, ClusterIndex index, CapacityPolicy policy, CapacityHistory history,
            Instant now) {
        Map<String, Instant> underUtilisedSince = new HashMap<>();
        Map<String, Instant> downSince = new HashMap<>();
        Map<String, Instant> unjoinedSince = new HashMap<>();
        Map<String, Instant> joinedInstances = new HashMap<>();
        for (Node node : snapshot.nodes()) {
            if (node.state() == Node.State.DOWN) {
                downSince.put(node.id(), history.downSince().getOrDefault(node.id(), now));
            }
            if (scaleInTracked(node) && index.utilisation(node) * 100 < policy.scaleInUtilisationPercent()) {
                underUtilisedSince.put(node.id(), history.underUtilisedSince().getOrDefault(node.id(), now));
            }
        }
        for (ScaleSetInstance instance : snapshot.instances()) {
            Node node = index.nodeOf(instance);
            if (node == null) {
                unjoinedSince.put(instance.instanceId(), history.unjoinedSince().getOrDefault(instance.instanceId(), now));
            }
            if (node != null && (instance.createdAt() == null || !node.createdAt().isBefore(instance.createdAt()))) {
                joinedInstances.put(instance.instanceId(), now);
            } else if (history.joinedInstances().containsKey(instance.instanceId())) {
                // Kept while the scale set lists the instance, so a reboot is not taken for a VM that never joined.
                joinedInstances.put(instance.instanceId(), history.joinedInstances().get(instance.instanceId()));
            }
        }
        return new Tracking(underUtilisedSince, downSince, unjoinedSince, joinedInstances);
    }

    private static boolean scaleInTracked(Node node) {
        return node.role() == SwarmRole.WORKER && node.state() == Node.State.READY
                && node.availability() == Node.Availability.ACTIVE;
    }
}
