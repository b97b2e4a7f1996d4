package io.harbormaster.capacity;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

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
 * @param operations the ARM operations checks started and did not wait for; the next check looks at how they went
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
        List<Operation> operations,
        Map<String, Instant> joinedInstances) {

    /** Enough for the status endpoint to show the last hours of a busy cluster, small enough for one blob. */
    public static final int MAX_RECENT_DECISIONS = 50;

    public static final CapacityHistory EMPTY = new CapacityHistory(null, Map.of(), Map.of(), Map.of(), null, null, null, List.of(),
            List.of(), Map.of());

    public CapacityHistory {
        underUtilisedSince = Map.copyOf(underUtilisedSince);
        downSince = Map.copyOf(downSince);
        unjoinedSince = Map.copyOf(unjoinedSince);
        recentDecisions = List.copyOf(recentDecisions.size() > MAX_RECENT_DECISIONS
                ? recentDecisions.subList(recentDecisions.size() - MAX_RECENT_DECISIONS, recentDecisions.size())
                : recentDecisions);
        operations = List.copyOf(operations);
        joinedInstances = Map.copyOf(joinedInstances);
    }

    /** A history with no operation under way and no instance known to have joined, as one written before either was kept. */
    public CapacityHistory(Instant checkedAt, Map<String, Instant> underUtilisedSince, Map<String, Instant> downSince,
            Map<String, Instant> unjoinedSince, ScaleOutRecord lastScaleOut, Expectation expectedCapacity, Reading lastReading,
            List<Decision> recentDecisions) {
        this(checkedAt, underUtilisedSince, downSince, unjoinedSince, lastScaleOut, expectedCapacity, lastReading,
                recentDecisions, List.of(), Map.of());
    }

    /** A history with no operation under way: what the planner builds, as operations are the executor's to follow. */
    public CapacityHistory(Instant checkedAt, Map<String, Instant> underUtilisedSince, Map<String, Instant> downSince,
            Map<String, Instant> unjoinedSince, ScaleOutRecord lastScaleOut, Expectation expectedCapacity, Reading lastReading,
            List<Decision> recentDecisions, Map<String, Instant> joinedInstances) {
        this(checkedAt, underUtilisedSince, downSince, unjoinedSince, lastScaleOut, expectedCapacity, lastReading,
                recentDecisions, List.of(), joinedInstances);
    }

    /** A history that knows of no instance having joined. */
    public CapacityHistory(Instant checkedAt, Map<String, Instant> underUtilisedSince, Map<String, Instant> downSince,
            Map<String, Instant> unjoinedSince, ScaleOutRecord lastScaleOut, Expectation expectedCapacity, Reading lastReading,
            List<Decision> recentDecisions, List<Operation> operations) {
        this(checkedAt, underUtilisedSince, downSince, unjoinedSince, lastScaleOut, expectedCapacity, lastReading,
                recentDecisions, operations, Map.of());
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

    /**
     * An ARM operation a check started without waiting for it: a capacity write ({@code toCapacity}), or the deletion
     * or start of one instance ({@code instanceId}).
     */
    public record Operation(Kind kind, long toCapacity, String instanceId, Instant startedAt) {
        /** What the operation does; its wire name is stored. */
        public enum Kind {
            SET_CAPACITY("set-capacity", "set capacity to "), DELETE_INSTANCE("delete-instance", "delete instance "),
            START_INSTANCE("start-instance", "start instance ");

            private final String wireName;
            /** How a summary of this kind begins: decisions name operations so, and are read back by it. */
            private final String summaryPrefix;

            Kind(String wireName, String summaryPrefix) {
                this.wireName = wireName;
                this.summaryPrefix = summaryPrefix;
            }

            /** The kind whose summaries begin {@code summary}, if any. */
            static java.util.Optional<Kind> ofSummary(String summary) {
                for (Kind kind : values()) {
                    if (summary.startsWith(kind.summaryPrefix)) {
                        return java.util.Optional.of(kind);
                    }
                }
                return java.util.Optional.empty();
            }

            public String wireName() {
                return wireName;
            }

            public static Kind fromWireName(String name) {
                for (Kind kind : values()) {
                    if (kind.wireName.equals(name)) {
                        return kind;
                    }
                }
                throw new IllegalArgumentException("unknown operation kind " + name);
            }
        }

        public Operation {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(startedAt, "startedAt");
            if (kind != Kind.SET_CAPACITY) {
                Objects.requireNonNull(instanceId, "instanceId");
            }
        }

        public static Operation setCapacity(long toCapacity, Instant startedAt) {
            return new Operation(Kind.SET_CAPACITY, toCapacity, null, startedAt);
        }

        public static Operation deleteInstance(String instanceId, Instant startedAt) {
            return new Operation(Kind.DELETE_INSTANCE, 0, instanceId, startedAt);
        }

        /** A warm instance's start: the next checks count it as an agent on its way, and do not start it again. */
        public static Operation startInstance(String instanceId, Instant startedAt) {
            return new Operation(Kind.START_INSTANCE, 0, instanceId, startedAt);
        }

        /** The operation in a few words, as decisions name it. */
        public String summary() {
            return kind.summaryPrefix + (kind == Kind.SET_CAPACITY ? String.valueOf(toCapacity) : instanceId);
        }
    }

    /** The history with a capacity announced by the autoscale webhook, so the guard takes the change as expected. */
    public CapacityHistory withExpectedCapacity(long capacity, Instant at) {
        return new CapacityHistory(checkedAt, underUtilisedSince, downSince, unjoinedSince, lastScaleOut,
                new Expectation(capacity, at), lastReading, recentDecisions, operations, joinedInstances);
    }

    CapacityHistory withDecisions(List<Decision> added) {
        List<Decision> all = new ArrayList<>(recentDecisions);
        all.addAll(added);
        return new CapacityHistory(checkedAt, underUtilisedSince, downSince, unjoinedSince, lastScaleOut, expectedCapacity,
                lastReading, all, operations, joinedInstances);
    }

    /** The history with one more decision, such as an operator's pause. */
    public CapacityHistory withDecision(Decision decision) {
        return withDecisions(List.of(decision));
    }

    /** Each decision made at {@code at} replaced by what {@code change} returns, or dropped where it returns null. */
    CapacityHistory withDecisionsAt(Instant at, Function<Decision, Decision> change) {
        List<Decision> all = new ArrayList<>();
        for (Decision decision : recentDecisions) {
            Decision kept = decision.at().equals(at) ? change.apply(decision) : decision;
            if (kept != null) {
                all.add(kept);
            }
        }
        return new CapacityHistory(checkedAt, underUtilisedSince, downSince, unjoinedSince, lastScaleOut, expectedCapacity,
                lastReading, all, operations, joinedInstances);
    }

    CapacityHistory withLastScaleOut(ScaleOutRecord scaleOut) {
        return new CapacityHistory(checkedAt, underUtilisedSince, downSince, unjoinedSince, scaleOut, expectedCapacity,
                lastReading, recentDecisions, operations, joinedInstances);
    }

    CapacityHistory withOperations(List<Operation> under) {
        return new CapacityHistory(checkedAt, underUtilisedSince, downSince, unjoinedSince, lastScaleOut, expectedCapacity,
                lastReading, recentDecisions, under, joinedInstances);
    }

    /**
     * This history (a check's) with what others wrote outside the lease since {@code base} was read, as {@code stored}
     * shows it: the decisions they added (an operator's pause) and a capacity announced meanwhile. Everything else is
     * the check's own to decide.
     */
    CapacityHistory withOutsideChanges(CapacityHistory base, CapacityHistory stored) {
        List<Decision> all = new ArrayList<>(recentDecisions);
        for (Decision decision : stored.recentDecisions()) {
            if (!base.recentDecisions().contains(decision) && !all.contains(decision)) {
                all.add(decision);
            }
        }
        all.sort(Comparator.comparing(Decision::at));
        Expectation expected = Objects.equals(base.expectedCapacity(), stored.expectedCapacity())
                ? expectedCapacity : stored.expectedCapacity();
        return new CapacityHistory(checkedAt, underUtilisedSince, downSince, unjoinedSince, lastScaleOut, expected,
                lastReading, all, operations, joinedInstances);
    }
}
