package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.Task;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FleetPartitionTest {
    private static List<String> hostnames(CapacitySnapshot snapshot) {
        return snapshot.nodes().stream().map(Node::hostname).toList();
    }

    @Test
    void nodesGoByInstanceThenByPoolLabelThenToTheFirstPoolAndManagersToEveryPool() {
        FleetFixture fleet = new FleetFixture();
        fleet.pool("general", 1, 10, Map.of(), 0, null);
        fleet.pool("gpu", 0, 4, Map.of("gpu", "true"), 1, null);
        fleet.node("manager0", SwarmRole.MANAGER, Map.of());
        fleet.agent("general", "general-1", PlanningFixture.AGENT, Map.of());
        // The hostname decides, not the label: a node never claims its pool.
        fleet.agent("gpu", "gpu-1", PlanningFixture.AGENT, Map.of(Pool.POOL_LABEL, "general"));
        fleet.node("gone-gpu", SwarmRole.WORKER, Map.of(Pool.POOL_LABEL, "gpu"));
        fleet.node("gone-unknown", SwarmRole.WORKER, Map.of(Pool.POOL_LABEL, "nosuch"));
        fleet.node("gone-unlabelled", SwarmRole.WORKER, Map.of());
        FleetSnapshot snapshot = fleet.snapshot();

        Map<String, CapacitySnapshot> split = FleetPartition.split(snapshot, FleetPartition.nodePools(snapshot), Map.of());

        assertEquals(List.of("manager0", "general-1", "gone-unknown", "gone-unlabelled"), hostnames(split.get("general")));
        assertEquals(List.of("manager0", "gpu-1", "gone-gpu"), hostnames(split.get("gpu")));
        assertEquals(fleet.instances.get("gpu"), split.get("gpu").instances());
        assertEquals("hm-gpu", split.get("gpu").scaleSet().name());
    }

    @Test
    void tasksGoWithTheirNodePendingOnesWhereTheExpanderSaysElseToTheFirstPool() {
        FleetFixture fleet = new FleetFixture();
        fleet.pool("general", 1, 10, Map.of(), 0, null);
        fleet.pool("gpu", 0, 4, Map.of("gpu", "true"), 1, null);
        fleet.node("manager0", SwarmRole.MANAGER, Map.of());
        fleet.agent("general", "general-1", PlanningFixture.AGENT, Map.of());
        fleet.agent("gpu", "gpu-1", PlanningFixture.AGENT, Map.of());
        Task onGeneral = fleet.run("general-1", "web", 1, 0);
        Task onGpu = fleet.run("gpu-1", "train", 1, 0);
        Task onManager = fleet.run("manager0", "proxy", 0.1, 0);
        Task chosen = fleet.pending(1, "train", 1, 0, PlanningFixture.NO_ROOM).get(0);
        Task unchosen = fleet.pending(1, "web", 1, 0, "no suitable node (unsupported platform on 3 nodes)").get(0);
        FleetSnapshot snapshot = fleet.snapshot();

        Map<String, CapacitySnapshot> split = FleetPartition.split(snapshot, FleetPartition.nodePools(snapshot),
                Map.of(chosen.id(), "gpu"));

        assertEquals(List.of(onGeneral, onManager, unchosen), split.get("general").tasks());
        assertEquals(List.of(onGpu, onManager, chosen), split.get("gpu").tasks());
        assertEquals(snapshot.services(), split.get("gpu").services());
    }

    @Test
    void oneFleetOfOnePoolIsTheSnapshotAsItWasRead() {
        FleetFixture fleet = new FleetFixture();
        fleet.pool("agents", 1, 10, Map.of(), 0, null);
        fleet.node("manager0", SwarmRole.MANAGER, Map.of());
        fleet.agent("agents", "agent-1", PlanningFixture.AGENT, Map.of());
        fleet.node("down", SwarmRole.WORKER, Map.of());
        fleet.run("agent-1", "web", 1, 0);
        fleet.pending(2, "web", 1, 0, PlanningFixture.NO_ROOM);
        FleetSnapshot snapshot = fleet.snapshot();

        CapacitySnapshot only = FleetPartition.split(snapshot, FleetPartition.nodePools(snapshot), Map.of()).get("agents");

        assertEquals(snapshot.nodes(), only.nodes());
        assertEquals(snapshot.tasks(), only.tasks());
        assertEquals(snapshot.pools().get(0).instances(), only.instances());
    }
}
