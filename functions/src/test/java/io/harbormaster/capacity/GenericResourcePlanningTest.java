package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.CPU;
import static io.harbormaster.capacity.PlanningFixture.GIB;
import static io.harbormaster.capacity.PlanningFixture.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Generic resources counted like CPU and memory: packing, the scale-out count, scale-in's fit, and the notes. */
class GenericResourcePlanningTest {
    private static final Resources GPU_AGENT = new Resources(2 * CPU, 8 * GIB, Map.of("gpu", 1L));
    private static final Resources ONE_GPU = new Resources(CPU / 10, GIB / 8, Map.of("gpu", 1L));

    private static Node gpuAgent(PlanningFixture cluster, String name) {
        Node node = new Node("id-" + name, 1, name, SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY, Map.of(),
                GPU_AGENT, PlanningFixture.minutesAgo(60));
        cluster.nodes.add(node);
        cluster.instance(name, PlanningFixture.minutesAgo(120));
        return node;
    }

    private static void gpuService(PlanningFixture cluster) {
        cluster.services.add(new Service("train", "train", Service.Mode.REPLICATED, 1, ONE_GPU, List.of()));
    }

    private static Task task(int id, String nodeId, String state, String message) {
        return new Task("g" + id, "train", nodeId, "running", state, message, ONE_GPU, PlanningFixture.minutesAgo(1));
    }

    @Test
    void aNewAgentTakesAsManyGpuTasksAsItHasGpusThoughCpuWouldTakeMore() {
        List<Packing.Group> groups = Packing.groups(List.of(task(1, null, "pending", ""), task(2, null, "pending", ""),
                task(3, null, "pending", "")), id -> Placement.ANYWHERE, GPU_AGENT);
        List<Packing.Bin> bins = new ArrayList<>();
        assertEquals(0, Packing.pack(groups, bins, GPU_AGENT, Map.of(), 10));
        assertEquals(3, bins.size(), "one GPU each");

        bins.clear();
        assertEquals(3, Packing.pack(groups, bins, new Resources(2 * CPU, 8 * GIB), Map.of(), 10), "no GPU, no room");
        assertEquals(0, bins.size());
    }

    @Test
    void scaleOutCountsAgentsByTheGpusThePendingTasksReserve() {
        PlanningFixture cluster = new PlanningFixture();
        gpuAgent(cluster, "gpu1");
        gpuService(cluster);
        cluster.tasks.add(task(0, "id-gpu1", "running", ""));
        for (int i = 1; i <= 2; i++) {
            cluster.tasks.add(task(i, null, "pending", PlanningFixture.NO_ROOM));
        }
        CapacityPlan plan = CapacityPlanner.plan(cluster.snapshot(), cluster.policy, cluster.history, NOW);
        CapacityAction.ScaleOut out = plan.actions().stream().filter(CapacityAction.ScaleOut.class::isInstance)
                .map(CapacityAction.ScaleOut.class::cast).findFirst().orElseThrow(() -> new AssertionError(plan.notes()));
        assertEquals(1, out.fromCapacity());
        assertEquals(3, out.toCapacity(), "two tasks of one GPU each on agents of one GPU: two agents, CPU aside");
        assertTrue(out.reason().contains("gpu 1"), out.reason());
    }

    @Test
    void aTaskWhoseGenericResourceNoAgentProvidesIsNotedAndScalesNothing() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("plain");
        gpuService(cluster);
        cluster.tasks.add(task(1, null, "pending", PlanningFixture.NO_ROOM));
        CapacityPlan plan = CapacityPlanner.plan(cluster.snapshot(), cluster.policy, cluster.history, NOW);
        assertTrue(plan.actions().stream().noneMatch(CapacityAction.ScaleOut.class::isInstance), plan.actions().toString());
        assertTrue(plan.notes().stream().anyMatch(note -> note.contains("no pool provides gpu")), plan.notes().toString());
    }

    @Test
    void scaleInKeepsANodeWhoseGpuTaskFindsNoFreeGpuElsewhere() {
        PlanningFixture cluster = new PlanningFixture();
        gpuAgent(cluster, "idle");
        gpuAgent(cluster, "busy");
        gpuService(cluster);
        cluster.tasks.add(task(1, "id-idle", "running", ""));
        cluster.tasks.add(task(2, "id-busy", "running", ""));
        PlanningContext context = cluster.context();
        Node idle = context.snapshot().nodes().get(0);
        ScaleInRule.Eligible eligible = new ScaleInRule.Eligible(List.of(new ScaleInRule.Candidate(idle,
                context.index().utilisation(idle), Duration.ofHours(1))), 1, "at most 1 at a time", List.of(), null);

        RuleDecision<CapacityAction.RequestDrain> kept = ScaleInNodeSelector.select(context, eligible);
        assertEquals(List.of(), kept.actions(), "CPU and memory would fit on busy, its one GPU is taken");
        assertTrue(PlanningFixture.mentions(kept.notes(), "gpu 1 find no room"), PlanningFixture.lines(kept.notes()).toString());

        cluster.tasks.remove(1);
        PlanningContext freed = cluster.context();
        assertEquals(List.of("idle"), ScaleInNodeSelector.select(freed, eligible).actions().stream()
                .map(CapacityAction.RequestDrain::hostname).toList(), "busy's GPU is free now");
    }
}
