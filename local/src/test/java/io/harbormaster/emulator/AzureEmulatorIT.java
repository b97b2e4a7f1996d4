package io.harbormaster.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMInstanceIDs;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.cloud.EventRecord;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.EmulatorArmClient;
import io.harbormaster.testsupport.TestService;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The emulator's power operations end to end, as an operator would use them through the Azure SDK: the instances are
 * dockerd nodes booted by the agents' cloud-config, so a deallocation drains and leaves the swarm, a start rejoins,
 * and a Spot eviction posts Preempt in the instance's own IMDS, whose watcher has its node drained before the instance
 * goes, with no task lost.
 */
class AzureEmulatorIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmulatedCluster cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    // Not in CI: WarmPoolIT deallocates and starts an instance end to end, through the control plane, and sees it rejoin.
    @Tag("long")
    @Test
    void deallocateDrainsAndStopsTheInstanceAndStartBootsItFromTheSameDisk() throws Exception {
        cluster = EmulatedCluster.start(Map.of(), Map.of());
        String hostname = cluster.prefix() + "000000";
        cluster.await("the first agent", cluster::nodes, nodes -> "ready".equals(nodes.get(hostname)), Duration.ofSeconds(90));
        AzureEmulator emulator = cluster.emulator();
        String vm = emulator.settings().scaleSetName() + "_0";
        ComputeManagementClient compute = EmulatorArmClient.compute(emulator);
        var ids = new VirtualMachineScaleSetVMInstanceIDs().withInstanceIds(List.of("0"));

        long t0 = System.nanoTime();
        compute.getVirtualMachineScaleSets().deallocate(emulator.settings().resourceGroup(),
                emulator.settings().scaleSetName(), null, ids, com.azure.core.util.Context.NONE);
        long deallocated = System.nanoTime();
        assertEquals("deallocated", instance(emulator, "0").powerState());
        assertFalse(emulator.machines().running(vm), "a deallocated instance's machine is off");
        // The agent left the swarm on its way down: the manager lists it as down, until its shutdown drain removes it.
        cluster.await("the node down or removed", cluster::nodes, nodes -> !"ready".equals(nodes.get(hostname)),
                Duration.ofSeconds(30));
        JsonNode drain = drainOf(hostname);
        assertEquals("shutdown", drain.path("reason").asText(), "the agent's drain on shutdown ran: " + drain);
        assertTrue(Files.isDirectory(emulator.machines().stateDirectory(vm)), "a deallocated instance keeps its disk");

        compute.getVirtualMachineScaleSets().start(emulator.settings().resourceGroup(),
                emulator.settings().scaleSetName(), ids, com.azure.core.util.Context.NONE);
        long started = System.nanoTime();
        assertEquals("running", instance(emulator, "0").powerState());
        cluster.await("the agent back", () -> cluster.manager().run("node", "ls", "--filter", "name=" + hostname,
                "--format", "{{.Status}}"), statuses -> statuses.contains("Ready"), Duration.ofSeconds(60));
        System.out.printf("emulator timing: deallocate %d ms (drain on shutdown included), start to Ready %d ms%n",
                (deallocated - t0) / 1_000_000, (System.nanoTime() - deallocated) / 1_000_000);
        assertTrue(started > deallocated);
    }

    @Test
    void aSpotEvictionPostsPreemptAndTheAgentsNodeIsDrainedBeforeTheInstanceIsDeallocated() throws Exception {
        // Learn (spot-vms.md): an eviction comes with at least 30 s of notice; the agent's approval ends it sooner.
        cluster = EmulatedCluster.start(Map.of(
                EmulatorSettings.PRIORITY, "Spot",
                EmulatorSettings.EVICTION_POLICY, "Deallocate",
                EmulatorSettings.PREEMPT_NOTICE, "30s",
                EmulatorSettings.CAPACITY, "2"), Map.of());
        String evicted = cluster.prefix() + "000000";
        String survivor = cluster.prefix() + "000001";
        cluster.await("both agents", cluster::nodes,
                nodes -> "ready".equals(nodes.get(evicted)) && "ready".equals(nodes.get(survivor)), Duration.ofSeconds(120));
        AzureEmulator emulator = cluster.emulator();
        String vm = emulator.settings().scaleSetName() + "_0";
        try (TestService service = TestService.create(cluster.manager(), cluster.prefix() + "-spot", 2,
                "--constraint", "node.role==worker", "--placement-pref", "spread=node.id")) {
            service.await("one replica on each agent", tasks -> tasks.stream().filter(TestService.Task::running)
                    .map(TestService.Task::nodeHostname).distinct().count() == 2, Duration.ofSeconds(60));

            EmulatorArmClient.compute(emulator).getVirtualMachineScaleSetVMs().simulateEviction(emulator.settings().resourceGroup(),
                    emulator.settings().scaleSetName(), "0");

            // What the agent itself reads: its own IMDS, from inside the node, by the node's address.
            JsonNode document = cluster.await("Preempt in the instance's scheduled events", () -> eventsSeenBy(vm),
                    events -> events.path("Events").toString().contains("Preempt"), Duration.ofSeconds(5));
            JsonNode preempt = document.path("Events").get(0);
            assertEquals("Preempt", preempt.path("EventType").asText());
            assertEquals(List.of(vm), List.of(preempt.path("Resources").get(0).asText()));
            assertEquals("Scheduled", preempt.path("EventStatus").asText());

            // The agent's watcher asks for its drain at once, as preempt, with the notice as its deadline.
            JsonNode drain = cluster.await("the agent's preempt drain to finish", () -> latestDrainOf(evicted),
                    d -> "preempt".equals(d.path("reason").asText())
                            && List.of("drained", "removed").contains(d.path("state").asText()), Duration.ofSeconds(30));
            cluster.await("the eviction", () -> instance(emulator, "0").powerState(), "deallocated"::equals,
                    Duration.ofSeconds(60));
            assertFalse(emulator.machines().running(vm));
            EventRecord record = emulator.cloud().eventHistory().stream()
                    .filter(event -> event.eventType().equals("Preempt")).findFirst().orElseThrow();
            // IMDS gives NotBefore in whole seconds (RFC 1123).
            long offBy = Duration.between(record.notBefore(), java.time.Instant.parse(drain.path("deadline").asText())).abs().toMillis();
            assertTrue(offBy < 1000, "the drain's deadline is the eviction's NotBefore " + record.notBefore() + ": " + drain);
            // The watcher approves only once its node reads drained, so an approved eviction went after the drain.
            assertEquals(vm, record.approvedBy(), "the agent let the eviction go once drained: " + record);
            assertTrue(!record.startedAt().isBefore(record.approvedAt()), record.toString());

            List<TestService.Task> running = service.awaitRunning(2, Duration.ofSeconds(30));
            assertEquals(List.of(survivor, survivor), running.stream().filter(TestService.Task::running)
                    .map(TestService.Task::nodeHostname).toList(),
                    "no task lost: both replicas run on the agent that stays");
        }
    }

    private JsonNode eventsSeenBy(String vm) {
        try {
            // As the node's own helpers ask: its IMDS guard refuses every other process.
            Process curl = cluster.emulator().machines().inNode(vm, List.of("/usr/local/sbin/harbormaster-imds-curl", "-fsS",
                    "--max-time", "5", "-H", "Metadata: true",
                    cluster.emulator().imds().url() + "/metadata/scheduledevents?api-version=2020-07-01"))
                    .redirectErrorStream(true).start();
            String body = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return curl.waitFor() == 0 ? JSON.readTree(body) : JSON.createObjectNode().put("error", body);
        } catch (Exception e) {
            return JSON.createObjectNode().put("error", e.toString());
        }
    }

    private JsonNode drainOf(String hostname) throws Exception {
        HttpResponse<String> response = cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/drain/" + hostname)).GET());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    /** The node's latest drain, or an empty object while it has none. */
    private JsonNode latestDrainOf(String hostname) {
        try {
            HttpResponse<String> response = cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/drain/" + hostname)).GET());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : JSON.createObjectNode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static InstanceSnapshot instance(AzureEmulator emulator, String id) {
        return emulator.cloud().instance(emulator.settings().scaleSetName(), id);
    }
}
