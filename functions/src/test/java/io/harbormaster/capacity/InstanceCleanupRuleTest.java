package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.minutesAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainState;
import io.harbormaster.scaleset.ScaleSetInstance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstanceCleanupRuleTest {
    private static ScaleSetInstance nodeless(String name, ScaleSetInstance.PowerState power, long minutesOld, boolean protect) {
        return new ScaleSetInstance("7", name, power, "Succeeded", minutesAgo(minutesOld), protect);
    }

    /** Instance 7 in deallocate mode, whose node a scale-in removed 5 h ago, with these operations under way. */
    private static PlanningFixture scaledInFiveHoursAgo(ScaleSetInstance.PowerState power,
            List<CapacityHistory.Operation> operations) {
        PlanningFixture cluster = new PlanningFixture();
        cluster.policy = CapacityPolicy.DEFAULTS.withScaleIn(CapacityPolicy.ScaleInMode.DEALLOCATE, 3);
        cluster.instance(nodeless("warm", power, 600, false));
        cluster.drain("warm", "req-w", DrainReason.SCALE_IN, DrainState.REMOVED, true, minutesAgo(300));
        cluster.history = new CapacityHistory(minutesAgo(1), Map.of(), Map.of(), Map.of("7", minutesAgo(300)), null, null,
                null, List.of(), operations, Map.of("7", minutesAgo(301)));
        return cluster;
    }

    private static RuleDecision<CapacityAction.DeleteInstance> decide(PlanningFixture cluster) {
        return InstanceCleanupRule.decide(cluster.context());
    }

    @Test
    void anInstanceThatNeverJoinedWithinTheProvisioningTimeoutIsDeleted() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.instance(nodeless("vm7", ScaleSetInstance.PowerState.RUNNING, 20, false));
        RuleDecision<CapacityAction.DeleteInstance> decision = decide(cluster);
        assertEquals(1, decision.actions().size());
        assertEquals("instance 7 (vm7) is 20m old and never joined the swarm (provisioning timeout 15m, provisioning state"
                + " Succeeded)", decision.actions().get(0).reason());
    }

    @Test
    void oneStillWithinItComesDueWhenItEnds() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.instance(nodeless("vm7", ScaleSetInstance.PowerState.RUNNING, 5, false));
        RuleDecision<CapacityAction.DeleteInstance> decision = decide(cluster);
        assertEquals(List.of(), decision.actions());
        assertEquals(minutesAgo(-10), decision.due());
        assertEquals(List.of(), decision.notes());
    }

    @Test
    void protectedStoppedAndDrainedInstancesAreLeftAlone() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.instance(new ScaleSetInstance("1", "protected", ScaleSetInstance.PowerState.RUNNING, "Succeeded", minutesAgo(60), true));
        cluster.instance(new ScaleSetInstance("2", "stopped", ScaleSetInstance.PowerState.DEALLOCATED, "Succeeded", minutesAgo(60), false));
        cluster.instance(new ScaleSetInstance("3", "leaving", ScaleSetInstance.PowerState.RUNNING, "Succeeded", minutesAgo(60), false));
        cluster.drain("leaving", "req-l", DrainReason.SCALE_IN, DrainState.DRAINING, false, minutesAgo(1));
        // Its drain's node went 20m ago: past the rejoin grace, so only the drain under way keeps it.
        cluster.history = new CapacityHistory(minutesAgo(1), Map.of(), Map.of(), Map.of("3", minutesAgo(20)), null, null, null,
                List.of());
        RuleDecision<CapacityAction.DeleteInstance> decision = decide(cluster);
        assertEquals(List.of(), decision.actions());
        assertEquals(List.of(
                "instance 1 (protected) never joined the swarm but is protected from scale-in: left alone",
                "instance 2 (stopped) never joined the swarm but is deallocated, by someone's choice: left alone",
                "instance 3 (leaving) has no node; its drain deletes it"), PlanningFixture.lines(decision.notes()));
    }

    @Test
    void anInstanceThatLostItsNodeHasTheRejoinGraceThenIsDeleted() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.instance(nodeless("vm7", ScaleSetInstance.PowerState.RUNNING, 600, false));
        cluster.history = new CapacityHistory(minutesAgo(1), Map.of(), Map.of(), Map.of("7", minutesAgo(5)), null, null, null,
                List.of(), Map.of("7", minutesAgo(6)));
        RuleDecision<CapacityAction.DeleteInstance> rejoining = decide(cluster);
        assertEquals(List.of(), rejoining.actions());
        assertEquals(minutesAgo(-10), rejoining.due(), "15m from when it was first seen without its node");
        assertEquals("instances rejoining", rejoining.notes().get(0).topic());

        cluster.history = new CapacityHistory(minutesAgo(1), Map.of(), Map.of(), Map.of("7", minutesAgo(20)), null, null, null,
                List.of(), Map.of("7", minutesAgo(21)));
        RuleDecision<CapacityAction.DeleteInstance> left = decide(cluster);
        assertEquals(1, left.actions().size());
        assertEquals("instance 7 (vm7) lost its swarm node 20m ago (last seen with one at " + minutesAgo(21) + ") and did not"
                + " rejoin within the rejoin grace of 15m (provisioning state Succeeded, power state running)",
                left.actions().get(0).reason());
    }

    @Test
    void inDeallocateModeAWarmInstanceIsNeitherNeverJoinedNorLeft() {
        PlanningFixture cluster = scaledInFiveHoursAgo(ScaleSetInstance.PowerState.DEALLOCATED, List.of());
        RuleDecision<CapacityAction.DeleteInstance> decision = decide(cluster);
        assertEquals(List.of(), decision.actions());
        assertEquals(List.of(), decision.notes(), "the warm pool's rule speaks for it");
        assertEquals(null, decision.due());
    }

    @Test
    void aStartedWarmInstanceWaitsTheRejoinGraceFromItsStart() {
        // Nodeless since its scale-in 5 h ago; started 2 minutes ago.
        PlanningFixture cluster = scaledInFiveHoursAgo(ScaleSetInstance.PowerState.RUNNING,
                List.of(CapacityHistory.Operation.startInstance("7", minutesAgo(2))));
        RuleDecision<CapacityAction.DeleteInstance> decision = decide(cluster);
        assertEquals(List.of(), decision.actions());
        assertEquals(minutesAgo(-13), decision.due(), "15m from its start");
    }
}
