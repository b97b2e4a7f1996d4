package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.GIB;
import static io.harbormaster.capacity.PlanningFixture.NOW;
import static io.harbormaster.capacity.PlanningFixture.minutesAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.SwarmRole;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrackingTest {
    private static Tracking tracking(PlanningFixture cluster) {
        return cluster.context().tracking();
    }

    @Test
    void aDownNodeKeepsTheClockOfTheLastCheckAndANewlyDownOneStartsNow() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("a", Node.Availability.ACTIVE, Node.State.DOWN, Map.of());
        cluster.agent("b", Node.Availability.ACTIVE, Node.State.DOWN, Map.of());
        cluster.agent("c");
        cluster.history = new CapacityHistory(minutesAgo(1), Map.of(), Map.of("id-a", minutesAgo(20), "id-gone", minutesAgo(90)),
                Map.of(), null, null, null, List.of());
        Tracking tracking = tracking(cluster);
        assertEquals(Map.of("id-a", minutesAgo(20), "id-b", NOW), tracking.downSince(),
                "a node no longer listed is forgotten, a ready one is not tracked");
    }

    @Test
    void onlyActiveReadyWorkersBelowTheThresholdAreUnderUtilised() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("idle");
        cluster.run("idle", "web", 0.2, GIB);                   // 12.5 %: the memory share is the larger
        cluster.agent("busy");
        cluster.run("busy", "web", 1.8, GIB);                   // 90 %
        cluster.agent("draining", Node.Availability.DRAIN, Node.State.READY, Map.of());
        cluster.node("manager", SwarmRole.MANAGER, Node.Availability.ACTIVE, Node.State.READY, Map.of());
        cluster.history = PlanningFixture.underUtilisedSince(minutesAgo(7), "idle", "busy");
        assertEquals(Map.of("id-idle", minutesAgo(7)), tracking(cluster).underUtilisedSince());
    }

    @Test
    void anInstanceWithItsNodeJoinedNowAndOneWithoutKeepsWhatTheLastCheckSaw() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("a");
        cluster.instance("rebooting", minutesAgo(300));
        cluster.instance("fresh", minutesAgo(3));
        cluster.history = new CapacityHistory(minutesAgo(1), Map.of(), Map.of(), Map.of("2", minutesAgo(2)), null, null, null,
                List.of(), Map.of("1", minutesAgo(4)));
        Tracking tracking = tracking(cluster);
        assertEquals(Map.of("0", NOW, "1", minutesAgo(4)), tracking.joinedInstances());
        assertEquals(Map.of("1", NOW, "2", minutesAgo(2)), tracking.unjoinedSince());
    }

    @Test
    void aNodeOlderThanItsInstanceIsARecreatedVmsLeftoverNotProofOfJoining() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.node("a", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.DOWN, Map.of()); // created an hour ago
        cluster.instance("a", minutesAgo(10));
        Tracking tracking = tracking(cluster);
        assertFalse(tracking.joinedInstances().containsKey("0"));
    }

    @Test
    void itsMapsCannotBeChangedByARule() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("a");
        assertThrows(UnsupportedOperationException.class, () -> tracking(cluster).joinedInstances().put("9", NOW));
        assertThrows(UnsupportedOperationException.class, () -> tracking(cluster).underUtilisedSince().clear());
    }
}
