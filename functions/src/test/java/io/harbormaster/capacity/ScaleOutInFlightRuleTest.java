package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.minutesAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.scaleset.ScaleSetInstance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScaleOutInFlightRuleTest {
    private static ScaleSetInstance nodeless(String id, ScaleSetInstance.PowerState power, long minutesOld) {
        return new ScaleSetInstance(id, "vm-" + id, power, "Succeeded", minutesAgo(minutesOld), false);
    }

    private static CapacityHistory scaledOutMinutesAgo(long minutes, long from, long to) {
        return new CapacityHistory(minutesAgo(1), Map.of(), Map.of(), Map.of(),
                new CapacityHistory.ScaleOutRecord(minutesAgo(minutes), from, to), null, null, List.of());
    }

    @Test
    void runningInstancesWithoutANodeWithinTheProvisioningTimeoutAreJoining() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("a");
        cluster.instance(nodeless("10", ScaleSetInstance.PowerState.RUNNING, 5));
        cluster.instance(nodeless("11", ScaleSetInstance.PowerState.STARTING, 14));
        cluster.instance(nodeless("12", ScaleSetInstance.PowerState.STOPPED, 5));   // someone stopped it
        cluster.instance(nodeless("13", ScaleSetInstance.PowerState.RUNNING, 16));  // past the 15m timeout
        ScaleOutInFlightRule.InFlight inFlight = ScaleOutInFlightRule.find(cluster.context());
        assertEquals(2, inFlight.joining());
        assertEquals(0, inFlight.uncreated());
        assertTrue(inFlight.any());
    }

    @Test
    void capacityAboveTheInstanceListAfterARecentScaleOutIsStillBeingCreated() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("a");
        cluster.capacity = 4L;
        cluster.history = scaledOutMinutesAgo(3, 1, 4);
        ScaleOutInFlightRule.InFlight inFlight = ScaleOutInFlightRule.find(cluster.context());
        assertEquals(3, inFlight.uncreated());
        assertEquals(3, inFlight.agents());
        assertEquals(List.of(), inFlight.notes());
    }

    @Test
    void capacityAboveTheListWithoutARecentScaleOutIsOnlyNoted() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("a");
        cluster.capacity = 4L;
        cluster.history = scaledOutMinutesAgo(16, 1, 4);
        ScaleOutInFlightRule.InFlight inFlight = ScaleOutInFlightRule.find(cluster.context());
        assertFalse(inFlight.any());
        assertEquals(List.of("the scale set's capacity is 4 but it lists 1 instances, and no scale-out of ours is that recent:"
                + " Azure may be short of quota or still creating"), PlanningFixture.lines(inFlight.notes()));
    }

    @Test
    void aWarmInstanceACheckStartedIsOnItsWayHoweverOld() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("a");
        cluster.instance(nodeless("10", ScaleSetInstance.PowerState.STARTING, 600));
        cluster.instance(nodeless("11", ScaleSetInstance.PowerState.DEALLOCATED, 600)); // warm, not started
        cluster.history = new CapacityHistory(minutesAgo(1), Map.of(), Map.of(), Map.of(), null, null, null, List.of(),
                List.of(CapacityHistory.Operation.startInstance("10", minutesAgo(1))));
        assertEquals(1, ScaleOutInFlightRule.find(cluster.context()).joining());

        cluster.history = new CapacityHistory(minutesAgo(1), Map.of(), Map.of(), Map.of(), null, null, null, List.of(),
                List.of(CapacityHistory.Operation.startInstance("10", minutesAgo(16))));
        assertEquals(0, ScaleOutInFlightRule.find(cluster.context()).joining(), "past the provisioning timeout");
    }
}
