package io.harbormaster.capacity;

import io.harbormaster.scaleset.ScaleSetInstance;
import java.util.List;

/**
 * The scale-out still under way: instances that have not joined within the provisioning timeout yet, and capacity
 * that a recent scale-out raised and Azure has not created as instances yet. New agents are counted on to take
 * pending tasks, and no further scale-out is asked for until they arrive.
 */
final class ScaleOutInFlightRule {
    private ScaleOutInFlightRule() {
    }

    /**
     * The agents on their way.
     *
     * @param joining instances without a node, running, younger than the provisioning timeout; and warm instances a
     *                check started within it
     * @param uncreated capacity above the instance list, from a scale-out within the provisioning timeout
     */
    record InFlight(long joining, long uncreated, List<Note> notes) implements RuleOutcome {
        InFlight {
            notes = List.copyOf(notes);
        }

        /** The agents on their way. */
        long agents() {
            return joining + uncreated;
        }

        boolean any() {
            return agents() > 0;
        }
    }

    static InFlight find(PlanningContext context) {
        CapacitySnapshot snapshot = context.snapshot();
        CapacityPolicy policy = context.policy();
        long joining = 0;
        for (ScaleSetInstance instance : snapshot.instances()) {
            if (context.index().nodeOf(instance) == null && (context.startedRecently(instance)
                    || !PlanningContext.stopped(instance) && context.age(instance).compareTo(policy.provisioningTimeout()) < 0)) {
                // A warm instance a check started counts from its start, however old: so no further check starts more.
                joining++;
            }
        }
        long capacity = snapshot.scaleSet().capacity();
        long missing = Math.max(0, capacity - snapshot.instances().size());
        CapacityHistory.ScaleOutRecord last = context.latestScaleOut();
        boolean recent = last != null && context.now().isBefore(last.at().plus(policy.provisioningTimeout()));
        if (missing > 0 && recent) {
            return new InFlight(joining, missing, List.of());
        }
        if (missing > 0) {
            return new InFlight(joining, 0, List.of(new Note(null, "the scale set's capacity is " + capacity + " but it lists "
                    + snapshot.instances().size() + " instances, and no scale-out of ours is that recent: Azure may be short of"
                    + " quota or still creating")));
        }
        return new InFlight(joining, 0, List.of());
    }
}
