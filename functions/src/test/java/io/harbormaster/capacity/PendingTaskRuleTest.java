package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.GIB;
import static io.harbormaster.capacity.PlanningFixture.NO_ROOM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingTaskRuleTest {
    private static final long MIB = 1L << 20;

    private static PlanningFixture oneAgent() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("a"); // 2 CPU / 8 GiB
        return cluster;
    }

    @Test
    void onlyTasksANewAgentWouldPlaceAreCounted() {
        PlanningFixture cluster = oneAgent();
        cluster.service("web", Service.Mode.REPLICATED, 1.5, 512 * MIB);
        cluster.service("huge", Service.Mode.REPLICATED, 3, GIB);
        cluster.service("gpu", Service.Mode.REPLICATED, 1, GIB, "node.labels.gpu==yes");
        cluster.service("logs", Service.Mode.GLOBAL, 0.1, 64 * MIB);
        cluster.service("generic", Service.Mode.REPLICATED, 0, 0);
        cluster.pending(2, "web", 1.5, 512 * MIB, NO_ROOM);
        cluster.pending(1, "web", 1.5, 512 * MIB, "no suitable node (scheduling constraints not satisfied on 3 nodes)");
        cluster.pending(3, "huge", 3, GIB, NO_ROOM);
        cluster.pending(1, "gpu", 1, GIB, NO_ROOM);
        cluster.pending(1, "logs", 0.1, 64 * MIB, NO_ROOM);
        cluster.pending(1, "generic", 0, 0, NO_ROOM);

        PendingTaskRule.Demand demand = PendingTaskRule.classify(cluster.context());
        assertEquals(List.of("web", "web"), demand.counted().stream().map(Task::serviceId).toList());
        assertTrue(demand.capacityNeeded());
        assertEquals("2 tasks are pending for lack of resources (web at 1.5 CPU / 512 MiB ×2)", demand.summary());
        assertEquals(List.of(
                "1 pending task of service web: pending for a reason more agents do not change: no suitable node (scheduling"
                        + " constraints not satisfied on 3 nodes)",
                "3 pending tasks of service huge: reserves 3 CPU / 1 GiB, more than one agent offers (1.9 CPU / 7.94 GiB): it"
                        + " can never fit, not scaling for it",
                "1 pending task of service gpu: its placement constraints [node.labels.gpu==yes] exclude a new agent: not scaling for it",
                "1 pending task of service logs: tied to its node (global service): a new agent does not help",
                "1 pending task of service generic: reserves no CPU, memory or generic resource the planner can see: not"
                        + " scaling for it"),
                PlanningFixture.lines(demand.notes()));
    }

    @Test
    void tasksPendingForOneReasonAreCountedPerServiceMostFirst() {
        PlanningFixture cluster = oneAgent();
        cluster.pending(1, "api", 3, GIB, NO_ROOM);
        cluster.pending(4, "db", 3, GIB, NO_ROOM);
        PendingTaskRule.Demand demand = PendingTaskRule.classify(cluster.context());
        assertEquals(1, demand.notes().size());
        assertTrue(demand.notes().get(0).line().startsWith("5 pending tasks of 2 services (db ×4, api ×1): reserves 3 CPU / 1 GiB"),
                demand.notes().get(0)::line);
        assertEquals("kinds of pending tasks", demand.notes().get(0).topic());
    }

    @Test
    void withNothingPendingNoCapacityIsNeeded() {
        PlanningFixture cluster = oneAgent();
        cluster.run("a", "web", 1, GIB);
        PendingTaskRule.Demand demand = PendingTaskRule.classify(cluster.context());
        assertFalse(demand.capacityNeeded());
        assertEquals("", demand.summary());
        assertEquals(List.of(), demand.notes());
    }
}
