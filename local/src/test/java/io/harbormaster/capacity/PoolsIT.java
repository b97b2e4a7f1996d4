package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.TestService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two pools end to end on the local cluster: the emulator runs one scale set per pool of HARBORMASTER_POOLS, both
 * booting from cloud-init/agent.yml. A service constrained to the gpu pool's label scales that pool only; its node
 * joins, the control plane labels it as the pool's, and the task runs there. A Spot pool that Azure refuses hands its
 * pending work to the next pool that fits.
 */
class PoolsIT {
    private static final String POOLS = "[{\"name\":\"general\",\"scaleSet\":\"hm-general\",\"min\":1,\"max\":2,\"step\":1},"
            + "{\"name\":\"gpu\",\"scaleSet\":\"hm-gpu\",\"min\":0,\"max\":2,\"step\":1,\"labels\":{\"gpu\":\"true\"},"
            + "\"priority\":\"Spot\",\"order\":1}]";

    private EmulatedCluster cluster;
    private TestService service;

    /** A cluster of these pools, from a history of its own. */
    private void startCluster(String pools) throws Exception {
        EmulatedCluster.forgetCapacityHistory();
        // A check every 2 s: each pool's scale-out comes within 2 s of the work it waits for.
        cluster = EmulatedCluster.start(Map.of("HARBORMASTER_POOLS", pools), Map.of(
                "HARBORMASTER_CAPACITY_SCHEDULE", "*/2 * * * * *"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        EmulatedCluster.close(cluster, service);
    }


    private JsonNode status() {
        return cluster.getJson("/api/status");
    }

    @Test
    void aServiceConstrainedToTheGpuPoolScalesThatPoolAndRunsOnItsLabelledNode() throws Exception {
        startCluster(POOLS);
        String general = cluster.prefix() + "000000";
        String gpu = cluster.prefix() + "1000000";
        // At once, while the general pool's minimum boots its agent: the two pools grow side by side.
        service = TestService.create(cluster.manager(), cluster.prefix() + "-train", 1, "--reserve-memory", "64m",
                "--constraint", "node.labels.gpu==true");

        Map<String, String> gpuLabels = cluster.await("the gpu agent labelled", () -> cluster.nodeLabels(gpu),
                labels -> "gpu".equals(labels.get("io.harbormaster.pool")), Duration.ofSeconds(90));
        assertEquals("true", gpuLabels.get("gpu"), gpuLabels.toString());
        assertEquals("spot", gpuLabels.get("io.harbormaster.priority"), gpuLabels.toString());
        assertEquals("none", gpuLabels.get("io.harbormaster.zone"), gpuLabels.toString());
        assertTrue(gpuLabels.containsKey("io.harbormaster.sku"), gpuLabels.toString());
        service.awaitRunning(1, Duration.ofSeconds(60));
        // The general pool's agent is labelled as the general pool's, and has no gpu label.
        Map<String, String> generalLabels = cluster.await("the general agent labelled", () -> cluster.nodeLabels(general),
                labels -> "general".equals(labels.get("io.harbormaster.pool")), Duration.ofSeconds(30));
        assertEquals(null, generalLabels.get("gpu"), generalLabels.toString());
        assertEquals(List.of(gpu), service.runningTasks().stream().map(TestService.Task::nodeHostname).toList());

        JsonNode pools = status().path("pools");
        assertEquals("general", pools.path(0).path("name").asText(), pools.toString());
        assertEquals(1, pools.path(0).path("capacity").asInt(), "the general pool did not scale: " + pools);
        assertEquals(1, pools.path(1).path("capacity").asInt(), pools.toString());
        assertEquals(Map.of(general, "ready", gpu, "ready"), cluster.nodes());
    }

    @Test
    void aServiceReservingAGpuScalesTheGpuPoolWhoseNewAgentAdvertisesItAndRunsThere() throws Exception {
        // Both pools empty; the gpu pool's agents advertise gpu=1 because their own boot writes it into daemon.json
        // (harbormaster-docker-config, from the pool's genericResources in the custom data): no label, no constraint.
        startCluster("[{\"name\":\"general\",\"scaleSet\":\"hm-general\",\"min\":0,\"max\":2,\"step\":1},"
                + "{\"name\":\"gpu\",\"scaleSet\":\"hm-gpu\",\"min\":0,\"max\":2,\"step\":1,"
                + "\"genericResources\":{\"gpu\":1}}]");
        service = TestService.create(cluster.manager(), cluster.prefix() + "-infer", 1, "--generic-resource", "gpu=1");

        List<TestService.Task> running = service.awaitRunning(1, Duration.ofSeconds(90));
        String gpu = cluster.prefix() + "1000000";
        assertEquals(List.of(gpu), running.stream().filter(TestService.Task::running).map(TestService.Task::nodeHostname)
                .toList(), "swarm placed it on the only node with a gpu");
        String advertised = cluster.manager().run("node", "inspect", gpu, "--format",
                "{{json .Description.Resources.GenericResources}}").strip();
        assertEquals("[{\"DiscreteResourceSpec\":{\"Kind\":\"gpu\",\"Value\":1}}]", advertised);
        JsonNode pools = status().path("pools");
        assertEquals(0, pools.path(0).path("capacity").asInt(), "no general agent: it has no gpu to offer: " + pools);
        assertEquals(1, pools.path(1).path("capacity").asInt(), pools.toString());
    }

    @Test
    void pendingWorkFallsBackToTheRegularPoolWhenTheSpotPoolCannotAllocate() throws Exception {
        // The Spot pool comes first by order; both start empty.
        startCluster("[{\"name\":\"spot\",\"scaleSet\":\"hm-spot\",\"min\":0,"
                + "\"max\":2,\"step\":1,\"priority\":\"Spot\",\"order\":0},"
                + "{\"name\":\"regular\",\"scaleSet\":\"hm-regular\",\"min\":0,\"max\":2,\"step\":1,\"order\":1}]");
        // Learn, "Resolve errors for SKU not available": the request is refused with 409 SkuNotAvailable.
        cluster.emulator().arm().faults().refuseNext(409, "SkuNotAvailable", "The requested VM size for resource"
                + " 'Following SKUs have failed for Capacity Restrictions: Standard_D2s_v5' is currently not available in"
                + " location 'westeurope'.", "PATCH", "hm-spot");
        service = TestService.create(cluster.manager(), cluster.prefix() + "-batch", 1, "--reserve-memory", "64m",
                "--constraint", "node.role==worker");

        List<TestService.Task> running = service.awaitRunning(1, Duration.ofSeconds(90));
        JsonNode pools = status().path("pools");
        assertEquals(0, pools.path(0).path("capacity").asInt(), "the Spot pool could not allocate: " + pools);
        assertEquals(1, pools.path(1).path("capacity").asInt(), "the Regular pool took the task: " + pools);
        String regularNode = running.stream().filter(TestService.Task::running).findFirst().orElseThrow().nodeHostname();
        assertEquals("regular", cluster.await("the regular agent labelled", () -> cluster.nodeLabels(regularNode),
                labels -> labels.containsKey("io.harbormaster.pool"), Duration.ofSeconds(30)).get("io.harbormaster.pool"));
        assertTrue(status().path("recentDecisions").toString().contains("pool cannot allocate"),
                status().path("recentDecisions").toString());
    }
}
