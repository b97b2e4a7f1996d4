package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.swarm.SwarmRole;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FleetPlannerTest {
    private static final long GIB = FleetFixture.GIB;
    private static final String NO_MATCH = "no suitable node (scheduling constraints not satisfied on 2 nodes)";

    private static List<FleetPlanner.PoolPlan> plan(FleetFixture fleet) {
        return FleetPlanner.plan(fleet.snapshot(), CapacityPolicy.DEFAULTS, Map.of(), FleetFixture.now());
    }

    private static List<String> summaries(FleetPlanner.PoolPlan plan) {
        return plan.plan().actions().stream().map(CapacityAction::summary).toList();
    }

    @Test
    void onePoolPlansAsTheSingleScaleSetDid() {
        FleetFixture fleet = new FleetFixture();
        Pool agents = fleet.pool(Pool.DEFAULT_NAME, 1, 10, Map.of(), 0, null);
        fleet.node("manager0", SwarmRole.MANAGER, Map.of());
        fleet.agent(Pool.DEFAULT_NAME, "agent-1", PlanningFixture.AGENT, agents.nodeLabels("Standard_agents", null));
        fleet.node("down", SwarmRole.WORKER, Map.of());
        fleet.service("web", 1, GIB);
        fleet.run("agent-1", "web", 1.5, GIB);
        fleet.pending(5, "web", 1, GIB, PlanningFixture.NO_ROOM);
        FleetSnapshot snapshot = fleet.snapshot();
        CapacitySnapshot single = new CapacitySnapshot(snapshot.nodes(), snapshot.tasks(), snapshot.services(),
                snapshot.pools().get(0).scaleSet(), snapshot.pools().get(0).instances(), List.of(), FleetFixture.now());

        CapacityPlan expected = CapacityPlanner.plan(single, CapacityPolicy.DEFAULTS, CapacityHistory.EMPTY,
                FleetFixture.now());
        List<FleetPlanner.PoolPlan> plans = plan(fleet);

        assertEquals(1, plans.size());
        assertEquals(expected.actions(), plans.get(0).plan().actions());
        assertEquals(expected.history(), plans.get(0).plan().history());
        assertEquals(List.of("scale out 1 -> 4"), summaries(plans.get(0)));
    }

    @Test
    void aTaskForTheGpuPoolScalesThatPoolOnly() {
        FleetFixture fleet = new FleetFixture();
        Pool general = fleet.pool("general", 1, 10, Map.of(), 0, null);
        fleet.pool("gpu", 0, 4, Map.of("gpu", "true"), 1, null);
        fleet.node("manager0", SwarmRole.MANAGER, Map.of());
        fleet.agent("general", "general-1", PlanningFixture.AGENT, general.nodeLabels("Standard_general", null));
        fleet.service("train", 1, GIB, "node.labels.gpu==true");
        fleet.pending(1, "train", 1, GIB, NO_MATCH);

        List<FleetPlanner.PoolPlan> plans = plan(fleet);

        assertEquals(List.of(), summaries(plans.get(0)));
        assertEquals(List.of("scale out 0 -> 1"), summaries(plans.get(1)));
        assertTrue(plans.get(1).plan().notes().get(0).startsWith("pool gpu takes 1 pending task"),
                plans.get(1).plan().notes().toString());
    }

    @Test
    void eachPoolKeepsItsOwnMinimumAndLabelsItsNodes() {
        FleetFixture fleet = new FleetFixture();
        fleet.pool("general", 2, 10, Map.of(), 0, null);
        fleet.pool("gpu", 0, 4, Map.of("gpu", "true"), 1, null);
        fleet.agent("general", "general-1", PlanningFixture.AGENT, Map.of());
        fleet.agent("gpu", "gpu-1", PlanningFixture.AGENT, Map.of());

        List<FleetPlanner.PoolPlan> plans = plan(fleet);

        assertEquals(List.of("scale out 1 -> 2", "label general-1 as pool general"), summaries(plans.get(0)));
        assertEquals(List.of("label gpu-1 as pool gpu"), summaries(plans.get(1)));
        assertEquals("true", plans.get(1).plan().actions(CapacityAction.LabelNode.class).get(0).labels().get("gpu"));
    }

    @Test
    void differentTasksScaleTwoPoolsInOneCheck() {
        FleetFixture fleet = new FleetFixture();
        fleet.pool("general", 0, 10, Map.of(), 0, null);
        fleet.pool("gpu", 0, 4, Map.of("gpu", "true"), 1, null);
        fleet.service("web", 1, GIB, "node.labels.gpu!=true");
        fleet.service("train", 1, GIB, "node.labels.gpu==true");
        fleet.pending(3, "web", 1, GIB, PlanningFixture.NO_ROOM);
        fleet.pending(1, "train", 1, GIB, NO_MATCH);

        List<FleetPlanner.PoolPlan> plans = plan(fleet);

        assertEquals(List.of("scale out 0 -> 2"), summaries(plans.get(0)));
        assertEquals(List.of("scale out 0 -> 1"), summaries(plans.get(1)));
    }

    @Test
    void aNodeThatJoinsIsLabelledAndTakesItsTaskWithoutASecondScaleOut() {
        FleetFixture fleet = new FleetFixture();
        fleet.pool("general", 0, 10, Map.of(), 0, null);
        fleet.pool("gpu", 0, 4, Map.of("gpu", "true"), 1, null);
        fleet.agent("gpu", "gpu-1", PlanningFixture.AGENT, Map.of());
        fleet.service("train", 1, GIB, "node.labels.gpu==true");
        // Swarm's verdict predates the label: no node satisfied the constraint when it last tried.
        fleet.pending(1, "train", 1, GIB, NO_MATCH);

        List<FleetPlanner.PoolPlan> plans = plan(fleet);

        assertEquals(List.of("label gpu-1 as pool gpu"), summaries(plans.get(1)));
        assertTrue(plans.get(1).plan().notes().stream().anyMatch(note -> note.startsWith("1 pending task waits for a node"
                + " labelled this check")), plans.get(1).plan().notes().toString());

        // A second task that does not fit beside the first still scales the pool out.
        fleet.pending(1, "train", 1.5, GIB, NO_MATCH);
        assertEquals(List.of("scale out 1 -> 2", "label gpu-1 as pool gpu"), summaries(plan(fleet).get(1)));
    }
}
