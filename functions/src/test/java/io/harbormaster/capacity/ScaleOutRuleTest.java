package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.GIB;
import static io.harbormaster.capacity.PlanningFixture.NO_ROOM;
import static io.harbormaster.capacity.PlanningFixture.minutesAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainState;
import io.harbormaster.swarm.Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScaleOutRuleTest {
    private static final ScaleOutInFlightRule.InFlight NONE_IN_FLIGHT = new ScaleOutInFlightRule.InFlight(0, 0, List.of());

    /** One busy agent of 2 CPU and {@code n} tasks of 1.5 CPU pending for resources: one a new agent. */
    private static PlanningFixture pendingOneAndAHalfCpu(int n) {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("a");
        cluster.run("a", "busy", 1.8, GIB);
        cluster.pending(n, "web", 1.5, GIB, NO_ROOM);
        return cluster;
    }

    private static ScaleOutRule.Need pack(PlanningFixture cluster, ScaleOutInFlightRule.InFlight inFlight) {
        PlanningContext context = cluster.context();
        return ScaleOutRule.pack(context, PendingTaskRule.classify(context), ReactivationRule.find(context), inFlight);
    }

    @Test
    void eachNewAgentTakesWhatFits() {
        ScaleOutRule.Need need = pack(pendingOneAndAHalfCpu(5), NONE_IN_FLIGHT);
        assertEquals(5, need.newAgents());
        assertEquals(List.of(), need.actions());
        assertEquals(List.of(), need.notes());
    }

    @Test
    void agentsOnTheirWayAreFilledBeforeNewOnes() {
        ScaleOutRule.Need need = pack(pendingOneAndAHalfCpu(5), new ScaleOutInFlightRule.InFlight(1, 1, List.of()));
        assertEquals(3, need.newAgents());
        assertEquals(List.of("2 pending tasks will fit on the 2 agents still provisioning or joining"),
                PlanningFixture.lines(need.notes()));
    }

    @Test
    void aNodeDrainingForScaleInIsReactivatedWhenItTakesSome() {
        PlanningFixture cluster = pendingOneAndAHalfCpu(3);
        cluster.agent("d", Node.Availability.DRAIN, Node.State.READY, Map.of(DrainProgress.REQUEST_LABEL, "req-d"));
        cluster.drain("d", "req-d", DrainReason.SCALE_IN, DrainState.DRAINING, false, minutesAgo(2));
        ScaleOutRule.Need need = pack(cluster, NONE_IN_FLIGHT);
        assertEquals(2, need.newAgents());
        assertEquals(1, need.actions().size());
        CapacityAction.ReactivateNode reactivate = need.actions().get(0);
        assertEquals("d", reactivate.node().hostname());
        assertEquals("req-d", reactivate.drainRequestId());
        assertEquals("3 tasks are pending for lack of resources (web at 1.5 CPU / 1 GiB ×3); d is draining for scale-in"
                + " (request req-d); reactivated, it takes 1 of them sooner than a new agent could join", reactivate.reason());
    }

    @Test
    void whatWouldNotFitEvenOnTheMaximumIsNoted() {
        PlanningFixture cluster = pendingOneAndAHalfCpu(5);
        cluster.policy = CapacityPolicy.DEFAULTS.withAgents(1, 2);
        ScaleOutRule.Need need = pack(cluster, NONE_IN_FLIGHT);
        assertEquals(2, need.newAgents());
        assertEquals(List.of("3 pending tasks would not fit even on 2 new agents"), PlanningFixture.lines(need.notes()));
    }

    @Test
    void withNothingPendingNoAgentIsNeeded() {
        ScaleOutRule.Need need = pack(pendingOneAndAHalfCpu(0), new ScaleOutInFlightRule.InFlight(2, 0, List.of()));
        assertEquals(0, need.newAgents());
        assertEquals(List.of(), need.notes());
    }
}
