package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.minutesAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainState;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.SwarmRole;
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

    /**
     * A VM re-created under its name (an upgrade's reimage) leaves its old node behind, set to drain by the old drain,
     * whose status a drain of the new node has replaced. Resuming the old drain would replace the new node's drain in
     * turn (RollingUpgradeIT, CI: the upgrade's drain was "not on record").
     */
    @Test
    void theOldNodeOfARecreatedVmDoesNotResumeItsDrainOverTheNewNodesDrain() {
        PlanningFixture cluster = new PlanningFixture();
        for (Node.State oldState : List.of(Node.State.DOWN, Node.State.READY)) {
            cluster.nodes.clear();
            cluster.drains.clear();
            cluster.instances.clear();
            cluster.nodes.add(new Node("id-old", 1, "a", SwarmRole.WORKER, Node.Availability.DRAIN, oldState,
                    Map.of(DrainProgress.REQUEST_LABEL, "req-old"), PlanningFixture.AGENT, minutesAgo(90)));
            labelled(cluster, "a", Node.Availability.DRAIN, "req-new"); // id-a, created after id-old
            cluster.drain("a", "req-new", DrainReason.MANUAL, DrainState.DRAINING, false, minutesAgo(0));
            RuleDecision<CapacityAction.ResumeDrain> decision = ResumeDrainRule.decide(cluster.context());
            assertEquals(List.of(), decision.actions(), oldState.name());
            assertEquals(List.of("node a (id-old) carries the label of drain req-old, but node id-a has taken its name"
                    + " since: not resumed"), PlanningFixture.lines(decision.notes()), oldState.name());
        }
    }

    @Test
    void aNewerNodeThatIsDownDoesNotStopTheLiveNodesDrainFromBeingResumed() {
        PlanningFixture cluster = new PlanningFixture();
        labelled(cluster, "a", Node.Availability.DRAIN, "req-lost"); // id-a, an hour old
        cluster.nodes.add(new Node("id-newer", 1, "a", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.DOWN,
                Map.of(), PlanningFixture.AGENT, minutesAgo(5)));
        RuleDecision<CapacityAction.ResumeDrain> decision = ResumeDrainRule.decide(cluster.context());
        assertEquals(List.of("req-lost"), decision.actions().stream().map(CapacityAction.ResumeDrain::requestId).toList());
    }
}
