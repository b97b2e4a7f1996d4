package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScaleOutExpanderTest {
    private static final String PENDING = "5 tasks are pending for lack of resources (web at 1.5 CPU / 1 GiB ×5)";
    private static final ScaleOutInFlightRule.InFlight NONE_IN_FLIGHT = new ScaleOutInFlightRule.InFlight(0, 0, List.of());

    /** Two agents of 2 CPU / 8 GiB, joined at the same time (the first listed is measured); capacity 2. */
    private static PlanningContext twoAgents(CapacityPolicy policy) {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("a");
        cluster.agent("b");
        cluster.policy = policy;
        return cluster.context();
    }

    private static CapacityAction.ScaleOut onlyScaleOut(RuleDecision<CapacityAction.ScaleOut> decision) {
        assertEquals(1, decision.actions().size(), decision::toString);
        return decision.actions().get(0);
    }

    @Test
    void itAddsTheAgentsTheTasksPackInto() {
        CapacityAction.ScaleOut scaleOut = onlyScaleOut(ScaleOutExpander.expand(twoAgents(CapacityPolicy.DEFAULTS), 2,
                PENDING, NONE_IN_FLIGHT));
        assertEquals(2, scaleOut.fromCapacity());
        assertEquals(4, scaleOut.toCapacity());
        assertEquals(PENDING + "; they pack into 2 new agents of 2 CPU / 8 GiB (as agent a reports it)", scaleOut.reason());
    }

    @Test
    void theStepBoundsOneScaleOut() {
        CapacityAction.ScaleOut scaleOut = onlyScaleOut(ScaleOutExpander.expand(twoAgents(CapacityPolicy.DEFAULTS), 5,
                PENDING, NONE_IN_FLIGHT)); // step 3, maximum 10
        assertEquals(5, scaleOut.toCapacity());
        assertEquals(PENDING + "; they pack into 5 new agents of 2 CPU / 8 GiB (as agent a reports it); adding 3: the"
                + " maximum scale-out step is 3", scaleOut.reason());
    }

    @Test
    void theMaximumBoundsItAndAtTheMaximumNothingIsAdded() {
        CapacityAction.ScaleOut scaleOut = onlyScaleOut(ScaleOutExpander.expand(twoAgents(CapacityPolicy.DEFAULTS.withAgents(1, 3)),
                2, PENDING, NONE_IN_FLIGHT));
        assertEquals(3, scaleOut.toCapacity());
        assertEquals(PENDING + "; they pack into 2 new agents of 2 CPU / 8 GiB (as agent a reports it); adding 1: the"
                + " maximum is 3 agents", scaleOut.reason());

        RuleDecision<CapacityAction.ScaleOut> atMaximum = ScaleOutExpander.expand(
                twoAgents(CapacityPolicy.DEFAULTS.withAgents(1, 2)), 1, PENDING, NONE_IN_FLIGHT);
        assertEquals(List.of(), atMaximum.actions());
        assertEquals(List.of(PENDING + "; they pack into 1 new agent of 2 CPU / 8 GiB (as agent a reports it), but the scale"
                + " set is at its maximum of 2 agents: not scaling out"), PlanningFixture.lines(atMaximum.notes()));
    }

    @Test
    void nothingMoreIsAskedForWhileAScaleOutIsInFlight() {
        RuleDecision<CapacityAction.ScaleOut> decision = ScaleOutExpander.expand(twoAgents(CapacityPolicy.DEFAULTS), 2, PENDING,
                new ScaleOutInFlightRule.InFlight(1, 0, List.of()));
        assertEquals(List.of(), decision.actions());
        assertEquals(List.of("2 more agents are needed, but 1 instance is still provisioning or joining: no further scale-out"
                + " until they join or time out"), PlanningFixture.lines(decision.notes()));
        assertNull(decision.due());
    }

    @Test
    void belowTheMinimumItRaisesCapacityWithoutPendingTasks() {
        CapacityAction.ScaleOut scaleOut = onlyScaleOut(ScaleOutExpander.expand(twoAgents(CapacityPolicy.DEFAULTS.withAgents(4, 10)),
                0, "", NONE_IN_FLIGHT));
        assertEquals(4, scaleOut.toCapacity());
        assertEquals("the scale set's capacity 2 is below the minimum of 4; raised to the minimum of 4", scaleOut.reason());
    }

    @Test
    void atOrAboveTheMinimumWithNothingNeededItDoesNothing() {
        RuleDecision<CapacityAction.ScaleOut> decision = ScaleOutExpander.expand(twoAgents(CapacityPolicy.DEFAULTS.withAgents(2, 10)),
                0, "", NONE_IN_FLIGHT);
        assertEquals(List.of(), decision.actions());
        assertEquals(List.of(), decision.notes());
    }

    @Test
    void aCapacityAboveTheMaximumIsNotedNeverLowered() {
        RuleDecision<CapacityAction.ScaleOut> decision = ScaleOutExpander.expand(twoAgents(CapacityPolicy.DEFAULTS.withAgents(1, 1)),
                0, "", NONE_IN_FLIGHT);
        assertEquals(List.of(), decision.actions());
        assertEquals(List.of("the scale set's capacity 2 is above the maximum of 1; capacity is never lowered, scale-in removes"
                + " idle nodes one drain at a time"), PlanningFixture.lines(decision.notes()));
    }
}
