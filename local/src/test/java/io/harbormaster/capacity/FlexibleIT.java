package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.arm.ArmCall;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.TestService;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Flexible pool end to end on the local cluster: the emulator runs the pool's scale set in Flexible orchestration,
 * whose VMs are standard VMs named {@code {scaleSet}_{suffix}}. Pending tasks constrained to the pool's label scale it
 * out (sku.capacity); the new VM attests by its vmId, joins, and is labelled as the pool's; once idle, its node is
 * drained and exactly that VM is deleted by the scale set's batch delete, which names it by its VM name. The pool's
 * scale set is in a resource group of its own (its {@code resourceGroup}), and every change the app sends goes there.
 */
class FlexibleIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCALE_SET = "hm-flex";
    // A group of its own, as infra/cluster.json's flexibleResourceGroup: the app's rights there never reach a manager.
    private static final String GROUP = EmulatedCluster.FLEXIBLE_GROUP;

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
    void aFlexiblePoolScalesOutJoinsLabelledAndScalesInByBatchDeleteOfThatVm() throws Exception {
        long t0 = System.nanoTime();
        EmulatedCluster.forgetCapacityHistory();
        cluster = EmulatedCluster.start(EmulatedCluster.flexiblePool(SCALE_SET, 0, 1, 1), Map.of(
                "HARBORMASTER_CAPACITY_SCHEDULE", "*/2 * * * * *",
                "HARBORMASTER_CAPACITY_UNNEEDED_TIME", "1s",
                "HARBORMASTER_CAPACITY_SCALE_IN_DELAY_AFTER_SCALE_OUT", "1s"));
        assertTrue(cluster.emulator().cloud().scaleSet(SCALE_SET).orElseThrow().flexible());
        assertEquals(List.of(), vms());

        service = TestService.create(cluster.manager(), cluster.prefix() + "-flex", 1, "--reserve-memory", "64m",
                "--constraint", "node.labels.flex==true");
        List<InstanceSnapshot> created = cluster.await("a Flexible VM", this::vms, list -> list.size() == 1,
                Duration.ofSeconds(30));
        InstanceSnapshot vm = created.get(0);
        assertTrue(vm.instanceId().equals(vm.name()) && vm.name().matches(SCALE_SET + "_[0-9a-f]{8}"), vm.toString());
        Map<String, String> labels = cluster.await("the Flexible agent joined and labelled",
                () -> cluster.nodeLabels(vm.computerName()), found -> "flex".equals(found.get("io.harbormaster.pool")),
                Duration.ofSeconds(60));
        assertEquals("true", labels.get("flex"), labels.toString());
        assertEquals(List.of(vm.computerName()), service.awaitRunning(1, Duration.ofSeconds(30)).stream()
                .map(TestService.Task::nodeHostname).toList());
        long scaledOut = System.nanoTime();

        // Idle: the check drains the node and deletes exactly its VM.
        cluster.manager().run("service", "scale", "--detach", service.name() + "=0");
        cluster.await("the Flexible VM deleted", this::vms, List::isEmpty, Duration.ofSeconds(40));
        cluster.await("its node removed", cluster::nodes, nodes -> !nodes.containsKey(vm.computerName()),
                Duration.ofSeconds(20));
        long scaledIn = System.nanoTime();

        List<ArmCall> deletes = cluster.emulator().arm().requests().stream()
                .filter(call -> call.method().equals("DELETE") || call.is("POST", SCALE_SET + "/delete")).toList();
        assertEquals(1, deletes.size(), deletes.toString());
        assertEquals(List.of(vm.name()), List.of(JSON.readTree(deletes.get(0).body()).path("instanceIds").get(0).asText()));
        assertEquals(1, JSON.readTree(deletes.get(0).body()).path("instanceIds").size());
        // The pool's scale set and its VMs are in their own group; nothing that changes a VM went to the managers'.
        List<String> writes = cluster.emulator().arm().requests().stream().filter(call -> !call.method().equals("GET"))
                .map(call -> call.method() + " " + call.path()).toList();
        assertTrue(writes.stream().allMatch(call -> call.toLowerCase().contains("/resourcegroups/" + GROUP + "/")), writes.toString());
        JsonNode drain = JSON.readTree(cluster.send(HttpRequest.newBuilder(
                cluster.host().uri("/api/drain/" + vm.computerName())).GET()).body());
        assertEquals("removed", drain.path("state").asText(), drain.toString());
        assertTrue(drain.path("instanceDeleted").asBoolean(), drain.toString());
        assertTrue(cluster.emulator().arm().requests().stream().noneMatch(call -> call.path().toLowerCase()
                .contains(SCALE_SET + "/virtualmachines")), "the scale-set VM API is Uniform's");
        System.out.printf("FlexibleIT: boot to scale-out joined %d ms, scale-in %d ms%n",
                (scaledOut - t0) / 1_000_000, (scaledIn - scaledOut) / 1_000_000);
    }
}
