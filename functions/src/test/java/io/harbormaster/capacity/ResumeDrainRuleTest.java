package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.minutesAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainState;
import io.harbormaster.swarm.Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResumeDrainRuleTest {
    private static Node labelled(PlanningFixture cluster, String name, Node.Availability availability, String requestId) {
        return cluster.agent(name, availability, Node.State.READY, Map.of(DrainProgress.REQUEST_LABEL, requestId));
    }

    @Test
    void aNodeSetToDrainByARequestWithoutAStatusIsResumed() {
        PlanningFixture cluster = new PlanningFixture();
        labelled(cluster, "a", Node.Availability.DRAIN, "req-lost");
        RuleDecision<CapacityAction.ResumeDrain> decision = ResumeDrainRule.decide(cluster.context());
        assertEquals(1, decision.actions().size());
        CapacityAction.ResumeDrain resume = decision.actions().get(0);
        assertEquals("req-lost", resume.requestId());
        assertEquals("id-a", resume.nodeId());
        assertEquals("node a is set to drain by request req-lost but no drain status of that request exists: left half-done",
                resume.reason());
    }

    @Test
    void anActiveNodeWithAnUnknownDrainsLabelIsLeftAlone() {
        PlanningFixture cluster = new PlanningFixture();
        labelled(cluster, "a", Node.Availability.ACTIVE, "req-old");
        RuleDecision<CapacityAction.ResumeDrain> decision = ResumeDrainRule.decide(cluster.context());
        assertEquals(List.of(), decision.actions());
        assertEquals("stale drain labels", decision.notes().get(0).topic());
    }

    @Test
    void aStalledDrainIsResumedOnceThoughItsLabelAndItsStatusBothNameIt() {
        PlanningFixture cluster = new PlanningFixture();
        labelled(cluster, "a", Node.Availability.DRAIN, "req-a");
        cluster.drain("a", "req-a", DrainReason.SCALE_IN, DrainState.DRAINING, false, minutesAgo(6)); // stall timeout 5m
        cluster.drain("b", "req-b", DrainReason.SHUTDOWN, DrainState.REQUESTED, false, minutesAgo(7)); // its node is gone
        RuleDecision<CapacityAction.ResumeDrain> decision = ResumeDrainRule.decide(cluster.context());
        assertEquals(List.of("req-a", "req-b"), decision.actions().stream().map(CapacityAction.ResumeDrain::requestId).toList());
        assertEquals("id-b", decision.actions().get(1).nodeId(), "the node its request names");
        assertNull(decision.due());
    }

    @Test
    void aDrainThatMovedRecentlyComesDueAtItsStallTimeout() {
        PlanningFixture cluster = new PlanningFixture();
        labelled(cluster, "a", Node.Availability.DRAIN, "req-a");
        cluster.drain("a", "req-a", DrainReason.SCALE_IN, DrainState.DRAINING, false, minutesAgo(2));
        RuleDecision<CapacityAction.ResumeDrain> decision = ResumeDrainRule.decide(cluster.context());
        assertEquals(List.of(), decision.actions());
        assertEquals(minutesAgo(-3), decision.due());
    }

    @Test
    void aFailedScaleInDrainLeavesItsNodeDrainedUntilCapacityIsNeeded() {
        PlanningFixture cluster = new PlanningFixture();
        labelled(cluster, "a", Node.Availability.DRAIN, "req-a");
        cluster.drain("a", "req-a", DrainReason.SCALE_IN, DrainState.FAILED, true, minutesAgo(30));
        RuleDecision<CapacityAction.ResumeDrain> decision = ResumeDrainRule.decide(cluster.context());
        assertEquals(List.of(), decision.actions());
        assertEquals(List.of("drain req-a of a failed (gave up); the node stays drained until capacity is needed, when it is"
                + " reactivated"), PlanningFixture.lines(decision.notes()));
    }
}
