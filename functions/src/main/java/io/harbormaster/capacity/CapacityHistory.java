package io.harbormaster.capacity;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the planner remembers from one check to the next. A value: each {@link CapacityPlan} carries the next one,
 * and the caller stores it ({@link CapacityHistoryCodec}).
 *
 * @param checkedAt when the last check ran; null before the first
 * @param underUtilisedSince node id to the time it was first seen below the scale-in threshold, without a break
 * @param downSince node id to the time it was first seen down, without a break
 * @param unjoinedSince instance id to the time it was first seen without a swarm node; its age when Azure
 *                      reports no creation time
 * @param lastScaleOut the last scale-out the planner asked for, or null
 * @param expectedCapacity a capacity announced from outside (the autoscale webhook), or null
 * @param lastReading the scale set's capacity and instance count at the last check, or null; the guard compares to it
 * @param recentDecisions the latest decisions, oldest first, at most {@link #MAX_RECENT_DECISIONS}
 * @param joinedInstances instance id to the last check that saw it with a swarm node, for the instances the scale
 *                        set still lists: such an instance once joined, and without a node it is rejoining (a reboot),
 *                        not provisioning
 */
public record CapacityHistory(
        Instant checkedAt,
        Map<String, Instant> underUtilisedSince,
        Map<String, Instant> downSince,
        Map<String, Instant> unjoinedSince,
        ScaleOutRecord lastScaleOut,
        Expectation expectedCapacity,
        Reading lastReading,
        List<Decision> recentDecisions,
        Map<String, Instant> joinedInstances) {

    /** Enough for the status endpoint to show the last hours of a busy cluster, small enough for one blob. */
    public static final int MAX_RECENT_DECISIONS = 50;

    public static final CapacityHistory EMPTY = new CapacityHistory(null, Map.of(), Map.of(), Map.of(), null, null, null, List.of(),
            Map.of());

    public CapacityHistory {
        underUtilisedSince = Map.copyOf(underUtilisedSince);
        downSince = Map.copyOf(downSince);
        unjoinedSince = Map.copyOf(unjoinedSince);
        recentDecisions = List.copyOf(recentDecisions.size() > MAX_RECENT_DECISIONS
                ? recentDecisions.subList(recentDecisions.size() - MAX_RECENT_DECISIONS, recentDecisions.size())
                : recentDecisions);
        joinedInstances = Map.copyOf(joinedInstances);
    }

    /** A history that knows of no instance having joined, as one written before that was remembered. */
    public CapacityHistory(Instant checkedAt, Map<String, Instant> underUtilisedSince, Map<String, Instant> downSince,
            Map<String, Instant> unjoinedSince, ScaleOutRecord lastScaleOut, Expectation expectedCapacity,
            Reading lastReading, List<Decision> recentDecisions) {
        this(checkedAt, underUtilisedSince, downSince, unjoinedSince, lastScaleOut, expectedCapacity, lastReading,
                recentDecisions, Map.of());
    }

    /** A scale-out: when, and from which capacity to which. */
    public record ScaleOutRecord(Instant at, long fromCapacity, long toCapacity) {
        public ScaleOutRecord {
            Objects.requireNonNull(at, "at");
        }
    }

    /** A capacity someone announced ahead of the change, and when. */
    public record Expectation(long capacity, Instant at) {
        public Expectation {
            Objects.requireNonNull(at, "at");
        }
    }

    /** The scale set as one check read it. */
    public record Reading(long capacity, int instances, Instant at) {
        public Reading {
            Objects.requireNonNull(at, "at");
        }
    }

    /** One decision as the status endpoint lists it; a tripped guard is a decision too. */
    public record Decision(Instant at, String action, String reason, boolean dryRun) {
        public Decision {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The history with a capacity announced by the autoscale webhook, so the guard takes the change as expected. */
    public CapacityHistory withExpectedCapacity(long capacity, Instant at) {
        return new CapacityHistory(checkedAt, underUtilisedSince, downSince, unjoinedSince, lastScaleOut,
                new Expectation(capacity, at), lastReading, recentDecisions, joinedInstances);
    }

    CapacityHistory withDecisions(List<Decision> added) {
        List<Decision> all = new ArrayList<>(recentDecisions);
        all.addAll(added);
        return new CapacityHistory(checkedAt, underUtilisedSince, downSince, unjoinedSince, lastScaleOut, expectedCapacity,
                lastReading, all, joinedInstances);
    }
}
