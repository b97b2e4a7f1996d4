package io.harbormaster.capacity;

import io.harbormaster.swarm.NodePlatform;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The capacity decision as a pure function: a snapshot, the policy and the history in; the actions, the reasons and
 * the next history out. It reads no clock and performs nothing; an executor carries the plan out.
 *
 * <p>The decision is a sequence of rules, each a small pure function of one {@link PlanningContext}. What one rule
 * hands to a later one is its return value, passed as an argument below; this method is the one place that orders
 * them, and the plan's actions and notes come in that order.
 */
public final class CapacityPlanner {
    private CapacityPlanner() {
    }

    public static CapacityPlan plan(CapacitySnapshot snapshot, CapacityPolicy policy, CapacityHistory history, Instant now) {
        return plan(snapshot, policy, history, now, Map.of());
    }

    /**
     * The plan for one pool's share of the fleet ({@link FleetPartition}).
     *
     * @param newAgentLabels the labels a new agent of the pool carries once it joins, which placement constraints see
     */
    public static CapacityPlan plan(CapacitySnapshot snapshot, CapacityPolicy policy, CapacityHistory history, Instant now,
            Map<String, String> newAgentLabels) {
        return plan(PlanningContext.of(snapshot, policy, history, now, newAgentLabels));
    }

    /** The plan for one pool's share, its index a view of the fleet's ({@link FleetPlanner}). */
    static CapacityPlan plan(CapacitySnapshot snapshot, ClusterIndex index, CapacityPolicy policy, CapacityHistory history,
            Instant now, Map<String, String> newAgentLabels, NodePlatform newAgentPlatform) {
        return plan(PlanningContext.of(snapshot, index, policy, history, now, newAgentLabels, newAgentPlatform));
    }

    private static CapacityPlan plan(PlanningContext context) {
        GuardRule.Verdict guard = GuardRule.judge(context);
        ScaleOutInFlightRule.InFlight inFlight = ScaleOutInFlightRule.find(context);
        RuleDecision<CapacityAction.ResumeDrain> resumed = ResumeDrainRule.decide(context);

        PendingTaskRule.Demand demand = PendingTaskRule.classify(context);
        ReactivationRule.Candidates reactivations = ReactivationRule.find(context);
        ScaleOutRule.Need need = ScaleOutRule.pack(context, demand, reactivations, inFlight);
        // Warm instances first: the expander raises the capacity only for the agents they do not cover.
        WarmPoolRule.Starts warmStarts = WarmPoolRule.start(context, need.newAgents(), demand.summary());
        RuleDecision<CapacityAction.ScaleOut> scaleOut = ScaleOutExpander.expand(context,
                need.newAgents() - warmStarts.count(), demand.summary(), inFlight);

        // Scale-in waits while tasks are pending for lack of resources: its rule then only says so.
        ScaleInRule.Eligible eligible = ScaleInRule.decide(context, demand.capacityNeeded());
        RuleDecision<CapacityAction.RequestDrain> scaleIn = ScaleInNodeSelector.select(context, eligible);

        RuleDecision<CapacityAction.RemoveDownNode> downNodes = DownNodeRule.decide(context);
        RuleDecision<CapacityAction.DeleteInstance> nodeless = InstanceCleanupRule.decide(context);
        RuleDecision<CapacityAction.DeleteInstance> warmCap = WarmPoolRule.trim(context, warmStarts);

        // The plan lists the actions and notes in the order the rules ran.
        return finish(context, guard, List.of(inFlight, resumed, demand, reactivations, need, warmStarts, scaleOut, eligible,
                scaleIn, downNodes, nodeless, warmCap));
    }

    /** Gathers the rules' outcomes in order; a tripped guard withholds every destructive action. */
    private static CapacityPlan finish(PlanningContext context, GuardRule.Verdict guard, List<RuleOutcome> outcomes) {
        CapacityPolicy policy = context.policy();
        Notes notes = new Notes();
        Notes withheld = new Notes();
        List<CapacityAction> kept = new ArrayList<>();
        Instant nextDeadline = null;
        for (RuleOutcome outcome : outcomes) {
            outcome.notes().forEach(notes::add);
            for (CapacityAction action : outcome.actions()) {
                if (guard.tripped() && action.destructive()) {
                    withheld.add("actions withheld by the guard", "withheld by the guard: " + action.summary() + " ("
                            + action.reason() + ")");
                } else {
                    kept.add(action);
                }
            }
            if (outcome.due() != null && (nextDeadline == null || outcome.due().isBefore(nextDeadline))) {
                nextDeadline = outcome.due();
            }
        }
        List<String> lines = new ArrayList<>();
        if (guard.tripped()) {
            lines.add("guard tripped: " + String.join("; ", guard.reasons()) + ". Nothing destructive is done this check");
            lines.addAll(withheld.build());
        }
        if (policy.dryRun() && !kept.isEmpty()) {
            lines.add("dry run: the executor logs these actions and performs none");
        }
        lines.addAll(notes.build());
        return new CapacityPlan(kept, lines, guard.tripped(), policy.dryRun(), nextHistory(context, guard, kept), nextDeadline);
    }

    /** What the next check starts from: the tracked clocks, this check's reading, and its decisions. */
    private static CapacityHistory nextHistory(PlanningContext context, GuardRule.Verdict guard, List<CapacityAction> kept) {
        CapacityPolicy policy = context.policy();
        CapacityHistory history = context.history();
        Instant now = context.now();
        List<CapacityHistory.Decision> decisions = new ArrayList<>();
        if (guard.tripped()) {
            decisions.add(new CapacityHistory.Decision(now, "guard tripped", String.join("; ", guard.reasons()), policy.dryRun()));
        }
        CapacityHistory.ScaleOutRecord outside = context.outsideScaleOut();
        if (outside != null) {
            decisions.add(new CapacityHistory.Decision(now, "capacity raised from outside " + outside.fromCapacity()
                    + " -> " + outside.toCapacity(), "the scale set's capacity rose from " + outside.fromCapacity()
                    + " to " + outside.toCapacity() + " since the last check, not by a scale-out of ours (Azure autoscale"
                    + " or a person): it counts as a scale-out, so no scale-in before "
                    + now.plus(policy.scaleInDelayAfterScaleOut()), false));
        }
        CapacityHistory.ScaleOutRecord lastScaleOut = context.latestScaleOut();
        for (CapacityAction action : kept) {
            decisions.add(new CapacityHistory.Decision(now, action.summary(), action.reason(), policy.dryRun()));
            if (action instanceof CapacityAction.ScaleOut scaleOut && !policy.dryRun()) {
                lastScaleOut = new CapacityHistory.ScaleOutRecord(now, scaleOut.fromCapacity(), scaleOut.toCapacity());
            } else if (action instanceof CapacityAction.StartInstances && !policy.dryRun()
                    && (lastScaleOut == null || !lastScaleOut.at().equals(now))) {
                // Warm instances add agents without raising the capacity; the scale-in delay counts from them too.
                long capacity = context.snapshot().scaleSet().capacity();
                lastScaleOut = new CapacityHistory.ScaleOutRecord(now, capacity, capacity);
            }
        }
        Tracking tracking = context.tracking();
        Map<String, Instant> joined = new HashMap<>(tracking.joinedInstances());
        if (guard.tripped()) {
            // A doubtful instance list must not make the next checks forget which instances once had a node.
            history.joinedInstances().forEach(joined::putIfAbsent);
        }
        CapacitySnapshot snapshot = context.snapshot();
        return new CapacityHistory(now, tracking.underUtilisedSince(), tracking.downSince(), tracking.unjoinedSince(),
                lastScaleOut, context.expectation(),
                new CapacityHistory.Reading(snapshot.scaleSet().capacity(), snapshot.instances().size(), now),
                history.recentDecisions(), joined).withDecisions(decisions);
    }
}
