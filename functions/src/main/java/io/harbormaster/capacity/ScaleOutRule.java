package io.harbormaster.capacity;

import io.harbormaster.swarm.Resources;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the pending tasks that more capacity would place go, first fit decreasing: onto nodes draining for scale-in
 * (reactivated), then onto the agents still on their way, then onto as many new agents as it takes. The expander
 * ({@link ScaleOutExpander}) turns the new agents into a capacity.
 */
final class ScaleOutRule {
    private ScaleOutRule() {
    }

    /**
     * What the pending tasks need beyond the room there is.
     *
     * @param actions the draining nodes that take some of the tasks, to reactivate
     * @param newAgents how many new agents the rest pack into
     */
    record Need(List<CapacityAction.ReactivateNode> actions, List<Note> notes, long newAgents) implements RuleOutcome {
        Need {
            actions = List.copyOf(actions);
            notes = List.copyOf(notes);
        }
    }

    static Need pack(PlanningContext context, PendingTaskRule.Demand demand, ReactivationRule.Candidates reactivations,
            ScaleOutInFlightRule.InFlight inFlight) {
        CapacityPolicy policy = context.policy();
        Resources room = context.newAgent().room();
        List<Packing.Bin> bins = new ArrayList<>();
        for (ReactivationRule.Reactivation candidate : reactivations.candidates()) {
            bins.add(new Packing.Bin(candidate.node(), candidate.room()));
        }
        int firstUpcoming = bins.size();
        // Bounded: a capacity read far above the instance list must not turn into as many bins.
        for (long i = 0; i < Math.min(inFlight.agents(), policy.maxAgents()); i++) {
            bins.add(Packing.Bin.newAgent(room, context.newAgentLabels(), context.newAgentPlatform()));
        }
        int firstNew = bins.size();
        long leftOver = 0;
        if (demand.capacityNeeded()) {
            List<Packing.Group> groups = Packing.groups(demand.counted(), context.index()::placement, context.newAgent().size());
            leftOver = Packing.pack(groups, bins, room, context.newAgentLabels(), context.newAgentPlatform(), policy.maxAgents());
        }

        List<CapacityAction.ReactivateNode> actions = new ArrayList<>();
        for (int i = 0; i < firstUpcoming; i++) {
            if (bins.get(i).placed > 0) {
                ReactivationRule.Reactivation candidate = reactivations.candidates().get(i);
                String requestId = candidate.status().request().requestId();
                actions.add(new CapacityAction.ReactivateNode(candidate.node(), requestId, demand.summary() + "; "
                        + candidate.node().hostname() + " is draining for scale-in (request " + requestId
                        + "); reactivated, it takes " + bins.get(i).placed + " of them sooner than a new agent could join"));
            }
        }
        List<Note> notes = new ArrayList<>();
        int onUpcoming = 0;
        for (int i = firstUpcoming; i < firstNew; i++) {
            onUpcoming += bins.get(i).placed;
        }
        if (onUpcoming > 0) {
            notes.add(new Note(null, HumanUnits.count(onUpcoming, "pending task", "pending tasks") + " will fit on the "
                    + HumanUnits.count(inFlight.agents(), "agent", "agents") + " still provisioning or joining"));
        }
        if (leftOver > 0) {
            notes.add(new Note(null, HumanUnits.count(leftOver, "pending task", "pending tasks")
                    + " would not fit even on " + policy.maxAgents() + " new agents"));
        }
        return new Need(actions, notes, bins.size() - firstNew);
    }
}
