package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.audit.AuditTrail;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.metrics.ControlPlaneMetrics;
import io.harbormaster.scaleset.PoolScaleSets;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.testsupport.InMemoryCapacityState;
import io.harbormaster.testsupport.InMemoryDrainQueue;
import io.harbormaster.testsupport.InMemoryDrainStatusStore;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A check of two pools, general and gpu, each with its own in-memory scale set and history. */
class CapacityCheckPoolsTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final long GIB = 1L << 30;
    private static final String NO_MATCH = "no suitable node (scheduling constraints not satisfied on 2 nodes)";
    private static final DrainSettings DRAIN_SETTINGS = new DrainSettings(
            Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofMinutes(15),
            Duration.ofDays(7));
    private static final Pool GENERAL = new Pool("general", "hm-general", 1, 10, 3, Map.of(), Pool.Priority.REGULAR, 0,
            null, CapacityPolicy.ScaleInMode.DELETE, 0, true);
    private static final Pool GPU = new Pool("gpu", "hm-gpu", 0, 4, 1, Map.of("gpu", "true"), Pool.Priority.SPOT, 1,
            null, CapacityPolicy.ScaleInMode.DELETE, 0, true);

    private final MutableClock clock = new MutableClock(T0);
    private final InMemorySwarm swarm = new InMemorySwarm(clock);
    private final InMemoryScaleSet general = new InMemoryScaleSet("hm-general", clock);
    private final InMemoryScaleSet gpu = new InMemoryScaleSet("hm-gpu", clock);
    private final InMemoryCapacityState generalState = new InMemoryCapacityState(clock);
    private final InMemoryCapacityState gpuState = new InMemoryCapacityState(clock);
    private final InMemoryDrainStatusStore drainStatuses = new InMemoryDrainStatusStore();
    private final PoolScaleSets both = new PoolScaleSets(scaleSets());

    private Map<String, ScaleSet> scaleSets() {
        Map<String, ScaleSet> byPool = new LinkedHashMap<>();
        byPool.put("general", general);
        byPool.put("gpu", gpu);
        return byPool;
    }

    private CapacityCheck check() {
        DrainRequests drains = new DrainRequests(swarm, drainStatuses, new InMemoryDrainQueue(clock), DRAIN_SETTINGS,
                Optional.of(both), clock, AuditTrail.NONE);
        return new CapacityCheck(swarm, List.of(new CapacityCheck.PoolPort(GENERAL, general, generalState),
                new CapacityCheck.PoolPort(GPU, gpu, gpuState)), drainStatuses, drains, CapacityPolicy.DEFAULTS, clock,
                AuditTrail.NONE, ControlPlaneMetrics.global());
    }

    @Test
    void aGpuTaskScalesTheGpuScaleSetOnlyAndPoolNodesGetTheirLabels() {
        swarm.addManager("manager-1");
        swarm.addWorker("general-1");
        general.addInstance("general-1");
        Resources train = new Resources(1_000_000_000L, GIB);
        swarm.addService(new Service("train", "train", Service.Mode.REPLICATED, 1, train, List.of("node.labels.gpu==true")));
        swarm.addTask("train", null, "pending", train, NO_MATCH);

        CapacityCheck.Outcome outcome = check().run();

        assertEquals(List.of("pool general: label general-1 as pool general", "pool gpu: scale out 0 -> 1"), outcome.done(),
                outcome.toString());
        assertEquals(1, general.capacity());
        assertEquals(1, gpu.capacity());
        assertEquals(0, general.count("beginSetCapacity"));
        Node labelled = swarm.node("id-general-1").orElseThrow();
        assertEquals("general", labelled.labels().get(Pool.POOL_LABEL));
        assertEquals("regular", labelled.labels().get(Pool.PRIORITY_LABEL));
        // Each pool's history holds its own decisions.
        assertTrue(gpuState.readHistory().recentDecisions().stream().anyMatch(d -> d.action().equals("scale out 0 -> 1")));
        assertFalse(generalState.readHistory().recentDecisions().stream().anyMatch(d -> d.action().startsWith("scale out")));
    }

    @Test
    void theGpuPoolsNodeJoinsGetsItsLabelsAndIsScaledInUnderItsOwnMinimumFromItsOwnScaleSet() {
        swarm.addManager("manager-1");
        swarm.addWorker("general-1");
        general.addInstance("general-1");
        swarm.addWorker("gpu-1");
        gpu.addInstance("gpu-1");

        CapacityCheck.Outcome first = check().run();
        assertEquals(List.of("pool general: label general-1 as pool general", "pool gpu: label gpu-1 as pool gpu"),
                first.done());
        Node gpuNode = swarm.node("id-gpu-1").orElseThrow();
        assertEquals(Map.of("gpu", "true", Pool.POOL_LABEL, "gpu", Pool.SKU_LABEL, gpu.describe().sku(),
                Pool.ZONE_LABEL, "none", Pool.PRIORITY_LABEL, "spot"), gpuNode.labels());

        clock.advance(CapacityPolicy.DEFAULTS.unneededTime().plusMinutes(1));
        CapacityCheck.Outcome later = check().run();

        // general-1 is as idle, but general's minimum is 1; gpu's is 0.
        assertEquals(List.of("pool gpu: drain gpu-1 and delete its instance"), later.done(), later.toString());
        DrainStatus drain = drainStatuses.read("gpu-1").orElseThrow().status();
        String instanceId = drain.request().instanceId();
        assertEquals("gpu:" + gpu.instances().get(0).instanceId(), instanceId);
        both.beginDeleteInstances(List.of(instanceId));
        assertEquals(1, gpu.count("beginDeleteInstances"));
        assertEquals(0, general.count("beginDeleteInstances"));
    }

    @Test
    void statusListsEveryPool() {
        swarm.addWorker("gpu-1");
        gpu.addInstance("gpu-1");
        gpu.addInstance("gpu-2");

        ClusterReport report = check().report();

        assertEquals(List.of("general", "gpu"), report.pools().stream().map(status -> status.pool().name()).toList());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> pools = (List<Map<String, Object>>) report.toJson().get("pools");
        assertEquals(2, pools.get(1).get("instances"));
        assertEquals(1, pools.get(1).get("nodes"));
        assertEquals("spot", pools.get(1).get("priority"));
        assertEquals("uniform", pools.get(1).get("mode"));
    }

    @Test
    void statusNamesEachAgentsPoolByItsInstanceElseByItsLabelAndManagersHaveNone() {
        swarm.addManager("manager-1");
        swarm.addWorker("gpu-1");
        gpu.addInstance("gpu-1");
        swarm.addWorker("general-1");
        general.addInstance("general-1");
        // A worker with no instance in any pool (its instance gone, say): the label set when it joined still names it.
        swarm.addNode(new Node("id-stray-1", 1, "stray-1", io.harbormaster.swarm.SwarmRole.WORKER,
                Node.Availability.ACTIVE, Node.State.READY,
                Map.of(Pool.POOL_LABEL, "gpu"), InMemorySwarm.AGENT, T0));

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> nodes = (List<Map<String, Object>>) check().report().toJson().get("nodes");

        Map<String, Object> poolByHost = new java.util.TreeMap<>();
        nodes.forEach(node -> poolByHost.put((String) node.get("hostname"), node.getOrDefault("pool", "(none)")));
        assertEquals(Map.of("manager-1", "(none)", "gpu-1", "gpu", "general-1", "general", "stray-1", "gpu"), poolByHost);
    }

    @Test
    void anAutoscaleNotificationNamesItsPoolByScaleSetAndTheAnnouncedCapacityIsRecordedForThatPool() {
        String gpuId = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/hm-gpu";
        assertEquals(Optional.of("gpu"), check().poolOfScaleSet(gpuId.toUpperCase(java.util.Locale.ROOT)));
        assertEquals(Optional.of("general"), check().poolOfScaleSet(gpuId.replace("hm-gpu", "hm-general")));
        assertEquals(Optional.empty(), check().poolOfScaleSet(gpuId.replace("hm-gpu", "someone-elses")));

        check().run(Optional.of("gpu"), Optional.of(3L));

        assertEquals(3L, gpuState.readHistory().expectedCapacity().capacity());
        assertEquals(null, generalState.readHistory().expectedCapacity());

        // A message queued before pools names none: the first pool's; a pool no longer configured records nothing.
        check().run(Optional.empty(), Optional.of(4L));
        check().run(Optional.of("gone"), Optional.of(9L));
        assertEquals(4L, generalState.readHistory().expectedCapacity().capacity());
        assertEquals(3L, gpuState.readHistory().expectedCapacity().capacity());
    }
}
