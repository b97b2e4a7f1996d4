package io.harbormaster.capacity;

import io.harbormaster.scaleset.ScaleSetInstance;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Whether a pool could not get VMs lately, so the expander sends its pending tasks to the next pool that fits: a
 * scale-out Azure refused for want of room (the check records a {@link #DECISION} decision), a scale-out that did not
 * take, or an instance of the pool that ARM left Failed. A Spot pool short of capacity thus hands its work to a Regular
 * one, as cluster-autoscaler backs a node group off after a failed scale-up (its initial backoff is 5 minutes).
 */
final class AllocationBackoff {
    /** The decision's action in a pool's history; its reason names Azure's code. */
    static final String DECISION = "pool cannot allocate";
    /** How long a pool is passed over after it could not allocate. */
    static final Duration BACKOFF = Duration.ofMinutes(5);

    private AllocationBackoff() {
    }

    /** Why the pool is passed over now, or empty when it may be chosen as any other. */
    static Optional<String> reason(CapacityHistory history, List<ScaleSetInstance> instances, Instant now) {
        for (ScaleSetInstance instance : instances) {
            if ("Failed".equalsIgnoreCase(instance.provisioningState())) {
                return Optional.of("its instance " + instance.instanceId() + " is in provisioning state Failed");
            }
        }
        Optional<String> latest = Optional.empty();
        for (CapacityHistory.Decision decision : history.recentDecisions()) {
            boolean recent = now.isBefore(decision.at().plus(BACKOFF));
            boolean refused = decision.action().equals(DECISION);
            // A capacity write or a warm start that ended without its VMs, as StartedOperations recorded it.
            boolean untaken = StartedOperations.unfinished(decision)
                    .filter(kind -> kind != CapacityHistory.Operation.Kind.DELETE_INSTANCE).isPresent();
            if (recent && (refused || untaken)) {
                latest = Optional.of((refused ? decision.reason() : decision.action()) + " at " + decision.at());
            }
        }
        return latest.map(why -> why + "; passed over for " + HumanUnits.duration(BACKOFF));
    }

    /** The decision a check records when Azure refused the pool's scale-out for want of room. */
    static CapacityHistory.Decision refused(String summary, String error, Instant at) {
        return new CapacityHistory.Decision(at, DECISION, summary + " failed: " + error, false);
    }
}
