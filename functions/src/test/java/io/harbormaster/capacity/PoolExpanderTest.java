package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.Task;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoolExpanderTest {
    private static final long CPU = FleetFixture.CPU;
    private static final long GIB = FleetFixture.GIB;
    private static final String NO_MATCH = "no suitable node (scheduling constraints not satisfied on 2 nodes)";

    private static PoolExpander.Choice choose(FleetFixture fleet) {
        FleetSnapshot snapshot = fleet.snapshot();
        return PoolExpander.choose(snapshot, FleetPartition.nodePools(snapshot), CapacityPolicy.DEFAULTS);
    }

    private static Map<String, String> expected(List<Task> tasks, String pool) {
        Map<String, String> byTask = new HashMap<>();
        tasks.forEach(task -> byTask.put(task.id(), pool));
        return byTask;
    }

    @Test
    void aTaskConstrainedToAPoolsLabelGoesToThatPoolOnly() {
        FleetFixture fleet = new FleetFixture();
        fleet.pool("general", 1, 10, Map.of(), 0, null);
        fleet.pool("gpu", 0, 4, Map.of("gpu", "true"), 1, null);
        fleet.node("manager0", SwarmRole.MANAGER, Map.of());
        fleet.agent("general", "general-1", PlanningFixture.AGENT, Map.of());
        fleet.service("train", 1, GIB, "node.labels.gpu==true", "node.role==worker");
        List<Task> pending = fleet.pending(2, "train", 1, GIB, NO_MATCH);

        PoolExpander.Choice choice = choose(fleet);

        assertEquals(expected(pending, "gpu"), choice.poolByTask());
        assertTrue(choice.notes().get("gpu").get(0).contains("the only pool whose new agent fits them"),
                choice.notes().toString());
    }

    @Test
    void theControlPlanesLabelsCountAndTasksNoPoolFitsStayUnchosen() {
        FleetFixture fleet = new FleetFixture();
        fleet.pool("general", 1, 10, Map.of(), 0, null);
        fleet.pool("spot", 0, 10, Map.of(), 1, null);
        fleet.service("batch", 1, GIB, "node.labels.io.harbormaster.pool==spot");
        fleet.service("huge", 64, GIB);
        fleet.service("elsewhere", 1, GIB, "node.labels.gpu==true");
        List<Task> batch = fleet.pending(1, "batch", 1, GIB, NO_MATCH);
        fleet.pending(1, "huge", 64, GIB, PlanningFixture.NO_ROOM);
        fleet.pending(1, "elsewhere", 1, GIB, NO_MATCH);

        assertEquals(expected(batch, "spot"), choose(fleet).poolByTask());
    }

    @Test
    void leastWasteWinsThenTheOrder() {
        FleetFixture fleet = new FleetFixture();
        // 3 CPU tasks: a 4-CPU agent leaves 25% of its CPU, an 8-CPU agent (two tasks) 25% too, a 2-CPU one cannot.
        fleet.pool("small", 1, 10, Map.of(), 0, new Resources(2 * CPU, 8 * GIB));
        fleet.pool("medium", 0, 10, Map.of(), 5, new Resources(4 * CPU, 8 * GIB));
        fleet.pool("large", 0, 10, Map.of(), 1, new Resources(8 * CPU, 16 * GIB));
        fleet.service("web", 3, 4 * GIB);
        List<Task> one = fleet.pending(1, "web", 3, 4 * GIB, PlanningFixture.NO_ROOM);
        // One task: medium leaves 25% CPU and 50% memory; large leaves 62.5% and 75%.
        assertEquals(expected(one, "medium"), choose(fleet).poolByTask());

        List<Task> two = fleet.pending(1, "web", 3, 4 * GIB, PlanningFixture.NO_ROOM);
        // Two tasks: medium needs two agents (25%, 50%), large one (25%, 50%): a tie, large's order 1 beats 5.
        Map<String, String> both = expected(one, "large");
        both.putAll(expected(two, "large"));
        assertEquals(both, choose(fleet).poolByTask());
    }

    @Test
    void aPoolAtItsMaximumIsChosenOnlyWhenNoOtherFits() {
        FleetFixture fleet = new FleetFixture();
        fleet.pool("cheap", 0, 1, Map.of(), 0, new Resources(4 * CPU, 8 * GIB));
        fleet.pool("dear", 0, 10, Map.of(), 1, new Resources(16 * CPU, 64 * GIB));
        fleet.agent("cheap", "cheap-1", new Resources(4 * CPU, 8 * GIB), Map.of());
        fleet.service("web", 4, 8 * GIB);
        List<Task> pending = fleet.pending(1, "web", 4, 8 * GIB, PlanningFixture.NO_ROOM);

        assertEquals(expected(pending, "dear"), choose(fleet).poolByTask());
    }

    @Test
    void differentTasksScaleDifferentPoolsInOneCheck() {
        FleetFixture fleet = new FleetFixture();
        fleet.pool("general", 1, 10, Map.of(), 0, null);
        fleet.pool("gpu", 0, 4, Map.of("gpu", "true"), 1, null);
        fleet.service("web", 1, GIB, "node.labels.gpu!=true");
        fleet.service("train", 1, GIB, "node.labels.gpu==true");
        List<Task> web = fleet.pending(3, "web", 1, GIB, PlanningFixture.NO_ROOM);
        List<Task> train = fleet.pending(1, "train", 1, GIB, NO_MATCH);

        Map<String, String> both = expected(web, "general");
        both.putAll(expected(train, "gpu"));
        PoolExpander.Choice choice = choose(fleet);
        assertEquals(both, choice.poolByTask());
        assertEquals(List.of("general", "gpu"), List.copyOf(choice.notes().keySet()));
    }

    @Test
    void wasteIsTheUnusedShareOfTheNewAgents() {
        Resources size = new Resources(4 * CPU, 8 * GIB);
        Packing.Group group = new Packing.Group("web", 3 * CPU, 4 * GIB, Placement.ANYWHERE, 2);
        // Two agents, each 1 of 4 CPUs and 4 of 8 GiB unused: (25% + 50%) / 2.
        assertEquals(0.375, PoolExpander.waste(size, size, Map.of(), List.of(group), 10), 1e-9);
    }

    /** A general pool and a gpu pool of agents the same size, the gpu pool's agents with a GPU each. */
    private static FleetFixture generalAndGpu(int gpuOrder) {
        FleetFixture fleet = new FleetFixture();
        fleet.pool("general", 1, 10, Map.of(), 0, new Resources(4 * CPU, 16 * GIB));
        fleet.pools.put("gpu", new Pool("gpu", "hm-gpu", 0, 4, 1, Map.of(), Pool.Priority.REGULAR, gpuOrder,
                new Resources(4 * CPU, 16 * GIB), CapacityPolicy.ScaleInMode.DELETE, 0, true,
                io.harbormaster.scaleset.ScaleSetModel.OrchestrationMode.UNIFORM, Pool.DEFAULT_PLATFORM, Map.of("gpu", 1L)));
        fleet.instances.put("gpu", new java.util.ArrayList<>());
        fleet.service("train", 1, GIB);
        fleet.service("web", 1, GIB);
        return fleet;
    }

    @Test
    void aTaskReservingAGpuGoesToThePoolWhoseAgentsProvideOne() {
        FleetFixture fleet = generalAndGpu(1);
        List<Task> train = pendingReserving(fleet, 2, "train", Map.of("gpu", 1L));

        PoolExpander.Choice choice = choose(fleet);

        assertEquals(expected(train, "gpu"), choice.poolByTask());
        assertTrue(choice.notes().get("gpu").get(0).contains("the only pool whose new agent fits them"),
                choice.notes().toString());
    }

    @Test
    void aTaskReservingNoGpuLeavesTheGpuPoolWhoseUnusedGpusCountAsWaste() {
        // The gpu pool would win a tie by its order; its idle GPU makes it the more wasteful.
        FleetFixture fleet = generalAndGpu(-1);
        List<Task> web = fleet.pending(2, "web", 1, GIB, PlanningFixture.NO_ROOM);

        PoolExpander.Choice choice = choose(fleet);

        assertEquals(expected(web, "general"), choice.poolByTask());
        assertTrue(choice.notes().get("general").get(0).contains("gpu 79% unused"), choice.notes().toString());
    }

    @Test
    void aTaskReservingAKindNoPoolProvidesIsNotedForTheFirstPool() {
        FleetFixture fleet = new FleetFixture();
        fleet.pool("general", 1, 10, Map.of(), 0, null);
        fleet.pool("spot", 0, 10, Map.of(), 1, null);
        fleet.service("fpga-job", 1, GIB);
        pendingReserving(fleet, 3, "fpga-job", Map.of("fpga", 1L));

        PoolExpander.Choice choice = choose(fleet);

        assertEquals(Map.of(), choice.poolByTask());
        assertEquals(List.of("3 pending tasks reserve fpga (fpga-job): no pool provides fpga, not scaling for them"),
                choice.notes().get("general"));
    }

    @Test
    void aTaskConstrainedToAnArchitectureGoesToThePoolOfThatArchitecture() {
        FleetFixture fleet = new FleetFixture();
        fleet.pool("general", 1, 10, Map.of(), 0, null);
        fleet.pools.put("arm", new Pool("arm", "hm-arm", 0, 4, 1, Map.of(), Pool.Priority.REGULAR, 1, null,
                CapacityPolicy.ScaleInMode.DELETE, 0, true, io.harbormaster.scaleset.ScaleSetModel.OrchestrationMode.UNIFORM,
                io.harbormaster.swarm.NodePlatform.linux("aarch64"), Map.of()));
        fleet.instances.put("arm", new java.util.ArrayList<>());
        fleet.service("arm-only", 1, GIB, "node.platform.arch==aarch64");
        fleet.service("intel-only", 1, GIB, "node.platform.arch!=aarch64");
        List<Task> arm = fleet.pending(1, "arm-only", 1, GIB, NO_MATCH);
        List<Task> intel = fleet.pending(1, "intel-only", 1, GIB, PlanningFixture.NO_ROOM);

        Map<String, String> both = expected(arm, "arm");
        both.putAll(expected(intel, "general"));
        assertEquals(both, choose(fleet).poolByTask());
    }

    @Test
    void wasteCountsTheGenericResourcesANewAgentLeavesUnused() {
        Resources size = new Resources(4 * CPU, 8 * GIB, Map.of("gpu", 2L));
        Packing.Group group = new Packing.Group("web", 3 * CPU, 4 * GIB, Placement.ANYWHERE, 1);
        // One agent: 25% of its CPU, 50% of its memory and all of its GPUs unused: (25% + 50% + 100%) / 3.
        assertEquals(0.5833333, PoolExpander.waste(size, size, Map.of(), List.of(group), 10), 1e-6);
    }

    /** Pending tasks of 0.5 CPU and 1 GiB that also reserve {@code generic}, left pending for resources. */
    private static List<Task> pendingReserving(FleetFixture fleet, int count, String serviceId, Map<String, Long> generic) {
        List<Task> added = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            Task task = new Task(serviceId + "-g" + i, serviceId, null, "running", "pending", PlanningFixture.NO_ROOM,
                    new Resources(CPU / 2, GIB, generic), PlanningFixture.minutesAgo(1));
            fleet.tasks.add(task);
            added.add(task);
        }
        return added;
    }
}
