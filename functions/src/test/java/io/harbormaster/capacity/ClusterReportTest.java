package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterReportTest {
    @Test
    void spotEvictionsAreListedWithTheirNoticeAndOtherDrainsAreNot() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("spot-1");
        cluster.agent("regular-1");
        cluster.drain("spot-1", "r1", DrainReason.PREEMPT, DrainState.DRAINED, false, PlanningFixture.NOW);
        cluster.drain("regular-1", "r2", DrainReason.SCALE_IN, DrainState.DRAINING, false, PlanningFixture.NOW);

        Map<String, Object> json = new ClusterReport(cluster.snapshot(), CapacityHistory.EMPTY, CapacityPause.NEVER_CHANGED).toJson();

        assertEquals(List.of(Map.of("node", "spot-1", "state", "drained", "requestedAt", PlanningFixture.NOW.toString(),
                "notBefore", PlanningFixture.NOW.plusSeconds(600).toString())), json.get("evictions"));
    }

    @Test
    void aNodesGenericResourcesAreReportedOnlyWhereItHasAny() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("plain");
        cluster.nodes.add(new io.harbormaster.swarm.Node("id-gpu", 1, "gpu", io.harbormaster.swarm.SwarmRole.WORKER,
                io.harbormaster.swarm.Node.Availability.ACTIVE, io.harbormaster.swarm.Node.State.READY, Map.of(),
                new io.harbormaster.swarm.Resources(2 * PlanningFixture.CPU, 8 * PlanningFixture.GIB, Map.of("gpu", 2L)),
                PlanningFixture.NOW));

        Map<String, Object> json = new ClusterReport(cluster.snapshot(), CapacityHistory.EMPTY, CapacityPause.NEVER_CHANGED).toJson();

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> nodes = (List<Map<String, Object>>) json.get("nodes");
        assertEquals(Map.of("nanoCpus", 2 * PlanningFixture.CPU, "memoryBytes", 8 * PlanningFixture.GIB),
                nodes.get(0).get("capacity"));
        assertEquals(Map.of("nanoCpus", 2 * PlanningFixture.CPU, "memoryBytes", 8 * PlanningFixture.GIB,
                "generic", Map.of("gpu", 2L)), nodes.get(1).get("capacity"));
    }
}
