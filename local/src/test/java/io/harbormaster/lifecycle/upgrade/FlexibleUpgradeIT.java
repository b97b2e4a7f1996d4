package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.emulator.cloud.ScaleSetChange;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.TestService;
import io.harbormaster.testsupport.UpgradeCalls;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The rolling upgrade of a Flexible pool (the first pool) on the local cluster: the scale set's model gets a new size,
 * which the app sees by comparing each VM's size with the model's (a standard VM has no latestModelApplied); POST
 * /api/upgrade replaces the pool's one VM: a surged VM joins, then the old node is drained and its VM deleted by the
 * batch delete. The service's replicas run on the new VM, none lost.
 */
class FlexibleUpgradeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCALE_SET = "hm-flexup";

    private EmulatedCluster cluster;
    private TestService service;

    @AfterEach
    void cleanUp() throws Exception {
        EmulatedCluster.close(cluster, service);
    }

    private List<InstanceSnapshot> vms() {
        return cluster.emulator().cloud().flexibleVms(SCALE_SET);
    }

    @Test
    void aNewSizeReplacesTheFlexiblePoolsVmBySurgeWithoutATaskLost() throws Exception {
        long t0 = System.nanoTime();
        UpgradeCalls.forgetUpgrade();
        EmulatedCluster.forgetCapacityHistory();
        cluster = EmulatedCluster.start(EmulatedCluster.flexiblePool(SCALE_SET, 1, 2, 1), Map.of());
        InstanceSnapshot old = cluster.await("the pool's Flexible VM", this::vms, list -> list.size() == 1,
                Duration.ofSeconds(30)).get(0);
        cluster.await("its node labelled", () -> cluster.nodeLabels(old.computerName()),
                found -> "flex".equals(found.get("io.harbormaster.pool")), Duration.ofSeconds(60));
        service = TestService.create(cluster.manager(), cluster.prefix() + "-flexup", 2, "--reserve-memory", "64m",
                "--constraint", "node.labels.flex==true", "--update-order", "start-first",
                "--label", "io.harbormaster.drain=surge");
        service.awaitRunning(2, Duration.ofSeconds(30));
        HttpResponse<String> nothing = UpgradeCalls.post(cluster, "{\"action\":\"start\"}");
        assertEquals("none", JSON.readTree(nothing.body()).path("state").asText(), "on the model: " + nothing.body());
        long ready = System.nanoTime();

        cluster.emulator().cloud().update(SCALE_SET, new ScaleSetChange(null, "Standard_D4s_v5", null, null), null);
        HttpResponse<String> started = UpgradeCalls.post(cluster, "{\"action\":\"start\"}");
        assertEquals(202, started.statusCode(), started.body());
        assertEquals(1, JSON.readTree(started.body()).path("total").asInt(), started.body());
        JsonNode done = cluster.await("the upgrade done", () -> UpgradeCalls.status(cluster),
                status -> !status.path("state").asText().equals("running"), Duration.ofSeconds(60));
        assertEquals("done", done.path("state").asText(), done.toString());
        JsonNode entry = done.path("instances").get(0);
        assertEquals("replace", entry.path("method").asText(), entry.toString());
        assertTrue(entry.path("outcome").asText().startsWith("replaced by instance"), entry.toString());

        List<InstanceSnapshot> after = cluster.await("the old VM deleted", this::vms, list -> list.size() == 1
                && !list.get(0).name().equals(old.name()), Duration.ofSeconds(20));
        assertEquals("Standard_D4s_v5", after.get(0).skuName());
        assertNotEquals(old.computerName(), after.get(0).computerName());
        service.awaitRunning(2, Duration.ofSeconds(30));
        assertEquals(List.of(after.get(0).computerName(), after.get(0).computerName()),
                service.runningTasks().stream().map(TestService.Task::nodeHostname).toList(), "no task lost");
        HttpResponse<String> again = UpgradeCalls.post(cluster, "{\"action\":\"start\"}");
        assertEquals(200, again.statusCode(), again.body());
        assertEquals("done", JSON.readTree(again.body()).path("state").asText(), "the new VM is on the model: "
                + again.body());
        System.out.printf("FlexibleUpgradeIT: cluster and VM ready %d ms, upgrade %d ms%n",
                (ready - t0) / 1_000_000, (System.nanoTime() - ready) / 1_000_000);
    }

    /**
     * At the pool's maximum (2 VMs, 2 replicas): no room to surge, so each VM's node is drained with delete first
     * (its task moves to the other VM) and one VM is added back, then the next. The capacity check may add it first
     * (the pool is below its minimum once the VM is gone); either way the pool ends with two VMs on the new size and
     * both tasks running. By hand (tag long): a second cluster start and two replacements do not fit CI's budget.
     */
    @Test
    @Tag("long")
    void atTheMaximumEachVmIsDrainedWithDeleteFirstAndOneAddedBack() throws Exception {
        long t0 = System.nanoTime();
        UpgradeCalls.forgetUpgrade();
        EmulatedCluster.forgetCapacityHistory();
        cluster = EmulatedCluster.start(EmulatedCluster.flexiblePool(SCALE_SET, 2, 2, 2), Map.of());
        List<InstanceSnapshot> before = cluster.await("the pool's two Flexible VMs", this::vms, list -> list.size() == 2,
                Duration.ofSeconds(40));
        for (InstanceSnapshot vm : before) {
            cluster.await("its node labelled", () -> cluster.nodeLabels(vm.computerName()),
                    found -> "flex".equals(found.get("io.harbormaster.pool")), Duration.ofSeconds(60));
        }
        service = TestService.create(cluster.manager(), cluster.prefix() + "-flexup", 2, "--reserve-memory", "64m",
                "--constraint", "node.labels.flex==true");
        service.awaitRunning(2, Duration.ofSeconds(30));
        long ready = System.nanoTime();

        cluster.emulator().cloud().update(SCALE_SET, new ScaleSetChange(null, "Standard_D4s_v5", null, null), null);
        HttpResponse<String> started = UpgradeCalls.post(cluster, "{\"action\":\"start\"}");
        assertEquals(202, started.statusCode(), started.body());
        JsonNode done = cluster.await("the upgrade done", () -> UpgradeCalls.status(cluster),
                status -> !status.path("state").asText().equals("running"), Duration.ofSeconds(150));
        assertEquals("done", done.path("state").asText(), done.toString());
        for (JsonNode entry : done.path("instances")) {
            assertEquals("replace", entry.path("method").asText(), entry.toString());
            assertTrue(entry.path("outcome").asText().startsWith("drained, deleted"), entry.toString());
        }
        List<InstanceSnapshot> after = cluster.await("two VMs on the new size", this::vms, list -> list.size() == 2
                && list.stream().allMatch(vm -> vm.skuName().equals("Standard_D4s_v5")), Duration.ofSeconds(30));
        assertTrue(after.stream().noneMatch(vm -> before.stream().anyMatch(old -> old.name().equals(vm.name()))));
        service.awaitRunning(2, Duration.ofSeconds(60));
        System.out.printf("FlexibleUpgradeIT at the maximum: cluster and VMs ready %d ms, upgrade %d ms, outcomes: %s%n",
                (ready - t0) / 1_000_000, (System.nanoTime() - ready) / 1_000_000, done.path("instances"));
    }
}
