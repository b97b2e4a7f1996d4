package io.harbormaster.capacity;

/**
 * How many instances a scale-out adds: the new agents the pending tasks need, or what the minimum asks for, within
 * the maximum and the scale-out step, and nothing while a scale-out is still in flight. Capacity is never lowered.
 */
final class ScaleOutExpander {
    private ScaleOutExpander() {
    }

    /**
     * @param newAgents how many new agents the pending tasks pack into ({@link ScaleOutRule.Need#newAgents()})
     * @param pendingSummary what is pending, for the reason ({@link PendingTaskRule.Demand#summary()})
     */
    static RuleDecision<CapacityAction.ScaleOut> expand(PlanningContext context, long newAgents, String pendingSummary,
            ScaleOutInFlightRule.InFlight inFlight) {
        CapacityPolicy policy = context.policy();
        RuleDecision.Builder<CapacityAction.ScaleOut> out = new RuleDecision.Builder<>(context.now());
        long capacity = context.snapshot().scaleSet().capacity();
        if (capacity > policy.maxAgents()) {
            out.note("the scale set's capacity " + capacity + " is above the maximum of " + policy.maxAgents()
                    + "; capacity is never lowered, scale-in removes idle nodes one drain at a time");
        }
        if (newAgents == 0 && capacity >= policy.minAgents()) {
            return out.build();
        }
        if (inFlight.any()) {
            String what = newAgents > 0
                    ? HumanUnits.count(newAgents, "more agent is", "more agents are") + " needed"
                    : "the scale set is below the minimum of " + policy.minAgents();
            out.note(what + ", but " + HumanUnits.count(inFlight.agents(), "instance is", "instances are")
                    + " still provisioning or joining: no further scale-out until they join or time out");
            return out.build();
        }
        long wanted = capacity + newAgents;
        String why;
        if (newAgents > 0) {
            why = pendingSummary + "; they pack into " + HumanUnits.count(newAgents, "new agent", "new agents")
                    + " of " + HumanUnits.resources(context.newAgent().size()) + " (" + context.newAgent().source() + ")";
        } else {
            why = "the scale set's capacity " + capacity + " is below the minimum of " + policy.minAgents();
        }
        if (wanted < policy.minAgents()) {
            wanted = policy.minAgents();
            why += "; raised to the minimum of " + policy.minAgents();
        }
        long limit = Math.min(policy.maxAgents(), capacity + policy.maxScaleOutStep());
        long to = Math.min(wanted, limit);
        if (to <= capacity) {
            out.note(why + ", but the scale set is at its maximum of " + policy.maxAgents() + " agents: not scaling out");
            return out.build();
        }
        if (to < wanted) {
            why += to == policy.maxAgents()
                    ? "; adding " + (to - capacity) + ": the maximum is " + policy.maxAgents() + " agents"
                    : "; adding " + (to - capacity) + ": the maximum scale-out step is " + policy.maxScaleOutStep();
        }
        out.act(new CapacityAction.ScaleOut(capacity, to, why));
        return out.build();
    }
}
