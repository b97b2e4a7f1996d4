package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.NOW;
import static io.harbormaster.capacity.PlanningFixture.minutesAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanningContextTest {
    private static CapacityHistory history(CapacityHistory.ScaleOutRecord ours, CapacityHistory.Expectation expected,
            CapacityHistory.Reading reading) {
        return new CapacityHistory(minutesAgo(1), Map.of(), Map.of(), Map.of("9", minutesAgo(8)), ours, expected, reading, List.of());
    }

    private static PlanningFixture agents(int n) {
        PlanningFixture cluster = new PlanningFixture();
        for (int i = 0; i < n; i++) {
            cluster.agent("agent-" + i);
        }
        return cluster;
    }

    @Test
    void capacityRaisedFromOutsideIsTheScaleOutThatCountsLast() {
        PlanningFixture cluster = agents(4);
        CapacityHistory.ScaleOutRecord ours = new CapacityHistory.ScaleOutRecord(minutesAgo(30), 1, 2);
        cluster.history = history(ours, null, new CapacityHistory.Reading(2, 2, minutesAgo(1)));
        PlanningContext context = cluster.context();
        assertEquals(new CapacityHistory.ScaleOutRecord(NOW, 2, 4), context.outsideScaleOut());
        assertEquals(context.outsideScaleOut(), context.latestScaleOut());

        cluster.history = history(ours, null, new CapacityHistory.Reading(4, 4, minutesAgo(1)));
        PlanningContext unchanged = cluster.context();
        assertNull(unchanged.outsideScaleOut());
        assertEquals(ours, unchanged.latestScaleOut());
    }

    @Test
    void anAnnouncedCapacityCountsForOneProvisioningTimeout() {
        PlanningFixture cluster = agents(1);
        CapacityHistory.Expectation expected = new CapacityHistory.Expectation(3, minutesAgo(14));
        cluster.history = history(null, expected, null);
        assertEquals(expected, cluster.context().expectation());
        cluster.history = history(null, new CapacityHistory.Expectation(3, minutesAgo(15)), null);
        assertNull(cluster.context().expectation());
    }

    @Test
    void anInstanceWithoutACreationTimeIsAsOldAsItHasBeenSeenNodeless() {
        PlanningFixture cluster = agents(1);
        cluster.history = history(null, null, null);
        ScaleSetInstance undated = cluster.instance(new ScaleSetInstance("9", "vm9", ScaleSetInstance.PowerState.RUNNING,
                "Creating", null, false));
        ScaleSetInstance dated = cluster.instance("vm10", minutesAgo(3));
        PlanningContext context = cluster.context();
        assertEquals(Duration.ofMinutes(8), context.age(undated));
        assertEquals(Duration.ofMinutes(3), context.age(dated));
    }

    @Test
    void stoppedMeansStoppedOrDeallocatedByChoice() {
        for (ScaleSetInstance.PowerState power : List.of(ScaleSetInstance.PowerState.STOPPING, ScaleSetInstance.PowerState.STOPPED,
                ScaleSetInstance.PowerState.DEALLOCATING, ScaleSetInstance.PowerState.DEALLOCATED)) {
            assertTrue(PlanningContext.stopped(new ScaleSetInstance("1", "vm", power, "Succeeded", NOW, false)), power::name);
        }
        for (ScaleSetInstance.PowerState power : List.of(ScaleSetInstance.PowerState.STARTING, ScaleSetInstance.PowerState.RUNNING,
                ScaleSetInstance.PowerState.UNKNOWN)) {
            assertFalse(PlanningContext.stopped(new ScaleSetInstance("1", "vm", power, "Succeeded", NOW, false)), power::name);
        }
    }

    @Test
    void aServiceIsNamedByItsNameOrElseItsId() {
        PlanningFixture cluster = agents(1);
        cluster.service("svc-1", Service.Mode.REPLICATED, 0.1, 0);
        cluster.services.add(new Service("svc-2", "", Service.Mode.REPLICATED, 1, Resources.NONE, List.of()));
        PlanningContext context = cluster.context();
        assertEquals("svc-1", context.serviceName("svc-1"));
        assertEquals("svc-2", context.serviceName("svc-2"));
        assertEquals("svc-unknown", context.serviceName("svc-unknown"));
        assertEquals("null", context.serviceName(null));
    }
}
