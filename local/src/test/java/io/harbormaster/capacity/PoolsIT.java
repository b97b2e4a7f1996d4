package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.TestService;
import io.harbormaster.testsupport.UpgradeCalls;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two pools end to end on the local cluster: the emulator runs one scale set per pool of HARBORMASTER_POOLS, both
 * booting from cloud-init/agent.yml. A service constrained to the gpu pool's label scales that pool only; its node
 * joins, the control plane labels it as the pool's, and the task runs there; then a rolling upgrade of that pool alone
 * replaces its agent. A Spot pool that Azure refuses hands its pending work to the next pool that fits.
 */
class PoolsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POOLS = "[{\"name\":\"general\",\"scaleSet\":\"hm-general\",\"min\":1,\"max\":2,\"step\":1},"
            + "{\"name\":\"gpu\",\"scaleSet\":\"hm-gpu\",\"min\":0,\"max\":2,\"step\":1,\"labels\":{\"gpu\":\"true\"},"
            + "\"priority\":\"Spot\",\"order\":1}]";

    private EmulatedCluster cluster;
    private TestService service;

    /** A cluster of these pools, from a history of its own. */
    private void startCluster(String pools) throws Exception {
        EmulatedCluster.forgetCapacityHistory();
        // An upgrade a killed earlier run left under way would be answered instead of this test's start.
        UpgradeCalls.forgetUpgrade();
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

        upgradeTheGpuPoolAlone(general, gpu);
    }

    /**
     * On the same cluster (no second start): a model change of the gpu pool's scale set, and POST /api/upgrade naming
     * that pool. Below its max (2), its agent is replaced by a surged one from its own scale set and the old one is
     * drained and deleted through the drain's {@code gpu:N} id; the general pool's agent, whose instance id in its own
     * scale set is the same number, is untouched; the task runs again on the new gpu agent.
     */
    private void upgradeTheGpuPoolAlone(String general, String gpu) throws Exception {
        long started = System.nanoTime();
        InstanceSnapshot generalBefore = cluster.emulator().cloud().instances("hm-general").get(0);
        InstanceSnapshot gpuBefore = cluster.emulator().cloud().instances("hm-gpu").get(0);
        UpgradeCalls.changeModel(cluster, "hm-gpu");

        HttpResponse<String> unknown = UpgradeCalls.post(cluster, "{\"action\":\"start\",\"pool\":\"cpu\"}");
        assertEquals(400, unknown.statusCode(), unknown.body());
        assertTrue(unknown.body().contains("invalid_pool") && unknown.body().contains("'general', 'gpu'"), unknown.body());
        assertEquals("none", UpgradeCalls.status(cluster).path("state").asText(), "the unknown pool started nothing");

        HttpResponse<String> start = UpgradeCalls.post(cluster, "{\"action\":\"start\",\"pool\":\"gpu\"}");
        assertEquals(202, start.statusCode(), start.body());
        JsonNode upgrade = JSON.readTree(start.body());
        assertEquals(1, upgrade.path("total").asInt(), start.body());
        assertEquals("gpu", upgrade.path("instances").path(0).path("pool").asText(), start.body());
        assertEquals("gpu:" + gpuBefore.instanceId(), upgrade.path("instances").path(0).path("instanceId").asText());

        JsonNode done = cluster.await("the gpu pool's upgrade done", () -> UpgradeCalls.status(cluster),
                status -> !status.path("state").asText().equals("running"), Duration.ofSeconds(60));
        assertEquals("done", done.path("state").asText(), done.toString());
        assertTrue(done.path("instances").path(0).path("surged").asBoolean(), done.toString());
        List<TestService.Task> running = service.awaitRunning(1, Duration.ofSeconds(30));
        String moved = running.stream().filter(TestService.Task::running).findFirst().orElseThrow().nodeHostname();
        assertTrue(moved.startsWith(gpu.substring(0, gpu.length() - 1)) && !moved.equals(gpu),
                "the task runs on the new gpu agent: " + moved);
        List<InstanceSnapshot> gpuAfter = cluster.await("the old gpu instance deleted",
                () -> cluster.emulator().cloud().instances("hm-gpu"), list -> list.size() == 1, Duration.ofSeconds(20));
        assertTrue(gpuAfter.get(0).latestModelApplied() && !gpuAfter.get(0).instanceId().equals(gpuBefore.instanceId()),
                gpuAfter.toString());
        List<InstanceSnapshot> generalAfter = cluster.emulator().cloud().instances("hm-general");
        assertEquals(List.of(generalBefore.instanceId()), generalAfter.stream().map(InstanceSnapshot::instanceId).toList());
        assertEquals(generalBefore.vmId(), generalAfter.get(0).vmId(), "the general agent was never replaced");
        assertEquals("ready", cluster.nodes().get(general));
        assertEquals("gpu", status().path("upgrade").path("pool").asText(), status().path("upgrade").toString());
        System.out.printf("PoolsIT: the gpu pool's upgrade took %d ms%n", (System.nanoTime() - started) / 1_000_000);
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
