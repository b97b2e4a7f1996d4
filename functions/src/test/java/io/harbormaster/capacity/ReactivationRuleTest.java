package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.CPU;
import static io.harbormaster.capacity.PlanningFixture.GIB;
import static io.harbormaster.capacity.PlanningFixture.minutesAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.InstanceEnd;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.drain.DrainRequest;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.SwarmRole;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReactivationRuleTest {
    private static void draining(PlanningFixture cluster, String name, DrainReason reason, DrainState state, long minutesAgo) {
        cluster.agent(name, Node.Availability.DRAIN, Node.State.READY, Map.of(DrainProgress.REQUEST_LABEL, "req-" + name));
        cluster.drain(name, "req-" + name, reason, state, false, minutesAgo(minutesAgo));
    }

    private static List<String> names(ReactivationRule.Candidates candidates) {
        return candidates.candidates().stream().map(c -> c.node().hostname()).toList();
    }

    @Test
    void aNodeDrainingForScaleInOffersItsFreeRoomLessTheGlobalsThatWouldStartAgain() {
        PlanningFixture cluster = new PlanningFixture();
        draining(cluster, "d", DrainReason.SCALE_IN, DrainState.DRAINING, 3);
        cluster.service("logs", Service.Mode.GLOBAL, 0.25, GIB);
        cluster.service("metrics", Service.Mode.GLOBAL, 0.25, GIB);
        cluster.run("d", "web", 0.5, 2 * GIB);
        cluster.run("d", "logs", 0.25, GIB); // still on it: only metrics would start again
        ReactivationRule.Candidates candidates = ReactivationRule.find(cluster.context());
        assertEquals(List.of("d"), names(candidates));
        assertEquals(new Resources(CPU, 4 * GIB), candidates.candidates().get(0).room());
    }

    @Test
    void onlyScaleInDrainsOfNodesWithAnInstanceAreCandidates() {
        PlanningFixture cluster = new PlanningFixture();
        draining(cluster, "manual", DrainReason.MANUAL, DrainState.DRAINING, 3);
        draining(cluster, "shutdown", DrainReason.SHUTDOWN, DrainState.DRAINING, 3);
        cluster.node("outside", SwarmRole.WORKER, Node.Availability.DRAIN, Node.State.READY,
                Map.of(DrainProgress.REQUEST_LABEL, "req-outside"));
        cluster.drain("outside", "req-outside", DrainReason.SCALE_IN, DrainState.DRAINING, false, minutesAgo(3));
        assertEquals(List.of(), names(ReactivationRule.find(cluster.context())));
    }

    @Test
    void aDrainedNodeWhoseInstanceIsBeingDeletedIsPastThePointOfReturn() {
        PlanningFixture cluster = new PlanningFixture();
        draining(cluster, "d", DrainReason.SCALE_IN, DrainState.DRAINED, 1); // a scale-in drain deletes its instance
        ReactivationRule.Candidates candidates = ReactivationRule.find(cluster.context());
        assertEquals(List.of(), names(candidates));
        assertEquals(List.of(new Note("drains past the point of return",
                "d is drained for scale-in and its instance is being deleted: not reactivated")), candidates.notes());
    }

    @Test
    void theMostRecentlyDrainedComesFirst() {
        PlanningFixture cluster = new PlanningFixture();
        draining(cluster, "early", DrainReason.SCALE_IN, DrainState.DRAINING, 9);
        draining(cluster, "late", DrainReason.SCALE_IN, DrainState.REQUESTED, 2);
        draining(cluster, "middle", DrainReason.SCALE_IN, DrainState.DRAINING, 5);
        assertEquals(List.of("late", "middle", "early"), names(ReactivationRule.find(cluster.context())));
    }

    @Test
    void aNodeWhoseInstanceADrainDeallocatesIsPastThePointOfReturnOnceDrained() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("d", Node.Availability.DRAIN, Node.State.READY, Map.of(DrainProgress.REQUEST_LABEL, "req-d"));
        DrainRequest request = new DrainRequest("req-d", "d", "id-d", DrainReason.SCALE_IN, InstanceEnd.DEALLOCATE,
                minutesAgo(-10), minutesAgo(1), "0");
        cluster.drains.add(new DrainStatus(request, DrainState.DRAINING, false, 1, 0, false, false, null, null, null, null, 2,
                null, minutesAgo(1)));
        assertEquals(List.of("d"), names(ReactivationRule.find(cluster.context())), "still draining: it can come back");

        cluster.drains.set(0, new DrainStatus(request, DrainState.DRAINED, false, 0, 0, false, false, null, null,
                minutesAgo(1), null, 3, null, minutesAgo(1)));
        ReactivationRule.Candidates drained = ReactivationRule.find(cluster.context());
        assertEquals(List.of(), names(drained));
        assertEquals(List.of(new Note("drains past the point of return",
                "d is drained for scale-in and its instance is being deallocated: not reactivated")), drained.notes());
    }
}
