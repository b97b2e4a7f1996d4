package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.GIB;
import static io.harbormaster.capacity.PlanningFixture.minutesAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainState;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.SwarmRole;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScaleInRuleTest {
    /** Idle agents, each under the threshold for an hour, and one busy agent. */
    private static PlanningFixture idle(String... names) {
        PlanningFixture cluster = new PlanningFixture();
        for (String name : names) {
            cluster.agent(name);
        }
        cluster.agent("busy");
        cluster.run("busy", "web", 1.8, GIB);
        cluster.history = PlanningFixture.underUtilisedSince(minutesAgo(60), names);
        return cluster;
    }

    private static List<String> names(ScaleInRule.Eligible eligible) {
        return eligible.candidates().stream().map(c -> c.node().hostname()).toList();
    }

    @Test
    void nodesIdleForTheUnneededTimeAreEligibleAtMostTheStepAtATime() {
        ScaleInRule.Eligible eligible = ScaleInRule.decide(idle("x", "y", "z").context(), false);
        assertEquals(List.of("x", "y", "z"), names(eligible));
        assertEquals(1, eligible.allowed()); // the default scale-in step
        assertEquals("at most 1 at a time", eligible.limit());
        assertEquals(List.of(), eligible.notes());
    }

    @Test
    void theMinimumBoundsHowManyGo() {
        PlanningFixture cluster = idle("x", "y", "z");
        cluster.policy = CapacityPolicy.DEFAULTS.withAgents(3, 10).withSteps(3, 5);
        ScaleInRule.Eligible eligible = ScaleInRule.decide(cluster.context(), false);
        assertEquals(1, eligible.allowed(), "4 ready agents, minimum 3");
        assertEquals("the minimum of 3 agents", eligible.limit());

        cluster.policy = CapacityPolicy.DEFAULTS.withAgents(4, 10).withSteps(3, 5);
        ScaleInRule.Eligible none = ScaleInRule.decide(cluster.context(), false);
        assertEquals(List.of(), names(none));
        assertEquals(List.of("3 nodes are eligible for scale-in, but 4 agents are ready and the minimum is 4"),
                PlanningFixture.lines(none.notes()));
    }

    @Test
    void scaleInsUnderWayUseUpTheStep() {
        PlanningFixture cluster = idle("x");
        cluster.drain("leaving", "req-leaving", DrainReason.SCALE_IN, DrainState.DRAINING, false, minutesAgo(1));
        ScaleInRule.Eligible eligible = ScaleInRule.decide(cluster.context(), false);
        assertEquals(List.of(), names(eligible));
        assertEquals(List.of("1 node is eligible for scale-in, but 1 scale-in is under way (at most 1 at a time)"),
                PlanningFixture.lines(eligible.notes()));
    }

    @Test
    void scaleInWaitsWhileCapacityIsNeeded() {
        ScaleInRule.Eligible eligible = ScaleInRule.decide(idle("x", "y").context(), true);
        assertEquals(List.of(), names(eligible));
        assertEquals(List.of("2 nodes are under-utilised, but scale-in waits while tasks are pending for lack of resources"),
                PlanningFixture.lines(eligible.notes()));
        assertNull(eligible.due());
    }

    @Test
    void noScaleInWithinTheDelayAfterAScaleOut() {
        PlanningFixture cluster = idle("x");
        cluster.history = new CapacityHistory(minutesAgo(1), Map.of("id-x", minutesAgo(60)), Map.of(), Map.of(),
                new CapacityHistory.ScaleOutRecord(minutesAgo(4), 2, 3), null, null, List.of());
        ScaleInRule.Eligible eligible = ScaleInRule.decide(cluster.context(), false);
        assertEquals(List.of(), names(eligible));
        assertEquals(minutesAgo(-6), eligible.due(), "10m after the scale-out");
        assertEquals(List.of("1 node is under-utilised, but no scale-in until " + minutesAgo(-6) + ": 10m after the scale-out at "
                + minutesAgo(4)), PlanningFixture.lines(eligible.notes()));
    }

    @Test
    void aNodeNotIdleLongEnoughComesDueWhenItsUnneededTimeEnds() {
        PlanningFixture cluster = idle("x");
        cluster.history = PlanningFixture.underUtilisedSince(minutesAgo(4), "x");
        ScaleInRule.Eligible eligible = ScaleInRule.decide(cluster.context(), false);
        assertEquals(List.of(), names(eligible));
        assertEquals(minutesAgo(-6), eligible.due());
        assertEquals(List.of(new Note("under-utilised nodes", "node x under-utilised (0 %) for 4m of 10m")), eligible.notes());
    }

    @Test
    void optedOutProtectedAndDrainingNodesAreNotCandidates() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("opted", Node.Availability.ACTIVE, Node.State.READY, Map.of("io.harbormaster.scale-in", "disabled"));
        cluster.nodes.add(new Node("id-protected", 1, "protected", SwarmRole.WORKER,
                Node.Availability.ACTIVE, Node.State.READY, Map.of(), PlanningFixture.AGENT, minutesAgo(60)));
        cluster.instance(new ScaleSetInstance("9", "protected",
                ScaleSetInstance.PowerState.RUNNING, "Succeeded", minutesAgo(120), true));
        cluster.agent("draining");
        cluster.drain("draining", "req-d", DrainReason.MANUAL, DrainState.REQUESTED, false, minutesAgo(1));
        cluster.node("hand-made", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY, Map.of());
        cluster.agent("ok");
        cluster.history = PlanningFixture.underUtilisedSince(minutesAgo(60), "opted", "protected", "draining", "hand-made", "ok");
        cluster.policy = CapacityPolicy.DEFAULTS.withSteps(3, 2); // the manual drain does not count against the step
        ScaleInRule.Eligible eligible = ScaleInRule.decide(cluster.context(), false);
        assertEquals(List.of("ok"), names(eligible));
        assertEquals(List.of("nodes opted out", "protected nodes", "nodes with a drain", "nodes outside the scale set"),
                eligible.notes().stream().map(Note::topic).toList());
    }
}
