package io.harbormaster.capacity;

import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.SwarmRole;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the scale set and the swarm disagree too much to trust this read: a capacity or an instance list that is
 * empty or far short while workers are ready, nodeless instances that should have joined long ago, a sudden drop
 * that neither our scale-ins nor an announcement explain, or the managers' majority in doubt (half or more of them
 * not reachable). A tripped guard withholds every destructive action.
 */
final class GuardRule {
    private GuardRule() {
    }

    /** The guard's reasons to doubt the read; none means it is quiet. */
    record Verdict(List<String> reasons) {
        Verdict {
            reasons = List.copyOf(reasons);
        }

        boolean tripped() {
            return !reasons.isEmpty();
        }
    }

    static Verdict judge(PlanningContext context) {
        CapacitySnapshot snapshot = context.snapshot();
        ClusterIndex index = context.index();
        List<String> reasons = new ArrayList<>();
        long capacity = snapshot.scaleSet().capacity();
        int instances = snapshot.instances().size();
        int readyWorkers = 0;
        int readyWorkersWithoutInstance = 0;
        for (Node node : snapshot.nodes()) {
            if (node.role() == SwarmRole.WORKER && node.state() == Node.State.READY) {
                readyWorkers++;
                if (index.instanceOf(node) == null) {
                    readyWorkersWithoutInstance++;
                }
            }
        }
        if (readyWorkers > 0 && capacity == 0) {
            reasons.add("the scale set reports capacity 0 while " + readyWorkers + " worker nodes are ready");
        }
        if (readyWorkers > 0 && instances == 0) {
            reasons.add("the scale set lists no instances while " + readyWorkers + " worker nodes are ready");
        } else if (readyWorkersWithoutInstance >= 2 && readyWorkersWithoutInstance * 2 > readyWorkers) {
            reasons.add(readyWorkersWithoutInstance + " of " + readyWorkers
                    + " ready worker nodes have no instance in the scale set's list");
        }
        int managers = 0;
        int reachableManagers = 0;
        for (Node node : snapshot.nodes()) {
            if (node.isManager()) {
                managers++;
                if (node.reachability() == Node.Reachability.REACHABLE) {
                    reachableManagers++;
                }
            }
        }
        // Without a majority the swarm cannot change its state: a node removed or drained now may never be settled.
        if (managers > 0 && reachableManagers * 2 <= managers) {
            reasons.add("only " + reachableManagers + " of " + managers
                    + " managers are reachable: the managers' majority is in doubt");
        }
        int oldUnjoined = 0;
        for (ScaleSetInstance instance : snapshot.instances()) {
            if (index.nodeOf(instance) == null && !PlanningContext.stopped(instance) && !context.startedRecently(instance)
                    && !context.age(instance).minus(context.policy().provisioningTimeout()).isNegative()) {
                oldUnjoined++;
            }
        }
        if (oldUnjoined >= 2 && oldUnjoined * 2 > instances) {
            reasons.add(oldUnjoined + " of " + instances
                    + " instances have had no swarm node for longer than the provisioning timeout: the swarm's node list may be incomplete");
        }
        if (instances - capacity >= 2 && capacity * 2 < instances) {
            reasons.add("the scale set reports capacity " + capacity + " but lists " + instances + " instances");
        }
        CapacityHistory.Reading last = context.history().lastReading();
        if (last != null) {
            long announced = context.expectation() == null ? Long.MAX_VALUE : context.expectation().capacity();
            long explained = scaleInsCompletedSince(index, last.at());
            if (suddenDrop(last.instances(), instances, explained, announced)) {
                reasons.add("the instance count dropped from " + last.instances() + " to " + instances
                        + " since the check at " + last.at());
            }
            if (suddenDrop(last.capacity(), capacity, explained, announced)) {
                reasons.add("the capacity dropped from " + last.capacity() + " to " + capacity
                        + " since the check at " + last.at());
            }
        }
        return new Verdict(reasons);
    }

    /** More than half gone, and at least two, beyond what our own scale-ins or an announcement account for. */
    static boolean suddenDrop(long before, long after, long explained, long announced) {
        if (after >= announced) {
            return false;
        }
        long unexplained = before - after - explained;
        return unexplained >= 2 && unexplained * 2 > before;
    }

    private static long scaleInsCompletedSince(ClusterIndex index, Instant since) {
        long n = 0;
        for (DrainStatus status : index.drains()) {
            if (status.request().reason() == DrainReason.SCALE_IN && status.instanceDeleted()
                    && !status.updatedAt().isBefore(since)) {
                n++;
            }
        }
        return n;
    }
}
