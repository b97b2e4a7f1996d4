package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobServiceClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.cloud.EventRecord;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.LocalServices;
import io.harbormaster.testsupport.TestService;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The capacity check end to end on the local cluster, through the production AzureScaleSet against the Azure emulator:
 * the timer in the embedded host plans on the real swarm and scales the emulated scale set, whose new instances boot
 * from cloud-init/agent.yml and join through the join function; scale-in drains, then deletes, and the instance's
 * Terminate event is approved by the agent's own watcher.
 */
class CapacityIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmulatedCluster cluster;
    private TestService service;

    @BeforeEach
    void startCluster() throws Exception {
        // Each cluster keeps one history; a previous run's would be another cluster's.
        var capacity = new BlobServiceClientBuilder().connectionString(LocalServices.storageConnectionString())
                .buildClient().getBlobContainerClient(BlobCapacityState.CONTAINER);
        if (capacity.exists()) {
            capacity.getBlobClient("history.json").deleteIfExists();
        }
        // A check every 2 s and an agent idle for 6 s is unneeded: each step of the scenario comes within seconds.
        cluster = EmulatedCluster.start(Map.of(), Map.of(
                "HARBORMASTER_CAPACITY_SCHEDULE", "*/2 * * * * *",
                "HARBORMASTER_CAPACITY_MIN_AGENTS", "1",
                "HARBORMASTER_CAPACITY_MAX_AGENTS", "3",
                "HARBORMASTER_CAPACITY_MAX_SCALE_OUT_STEP", "2",
                "HARBORMASTER_CAPACITY_UNNEEDED_TIME", "6s",
                "HARBORMASTER_CAPACITY_SCALE_IN_DELAY_AFTER_SCALE_OUT", "5s"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        EmulatedCluster.close(cluster, service);
    }

    private Map<String, String> ourNodes() {
        return cluster.nodes();
    }

    private <T> T await(String what, Supplier<T> read, java.util.function.Predicate<T> done, Duration timeout)
            throws InterruptedException {
        return cluster.await(what, read, done, timeout);
    }

    private JsonNode status() {
        return cluster.getJson("/api/status");
    }

    private JsonNode get(String path) {
        return cluster.getJson(path);
    }

    @Test
    void scalesOutForUnplaceableTasksAndScalesInByDrainThenDelete() throws Exception {
        // The minimum brings the first agent.
        await("one ready agent", this::ourNodes, n -> n.size() == 1 && n.containsValue("ready"), Duration.ofSeconds(120));

        // Each agent has the machine's CPUs; three replicas reserving one CPU each cannot all fit on one agent of 2.
        int cpus = Runtime.getRuntime().availableProcessors();
        int replicas = cpus + 1;
        service = TestService.create(cluster.manager(), cluster.prefix() + "-web", replicas, "--reserve-cpu", "1",
                "--constraint", "node.role==worker");

        List<String> orphaned = new ArrayList<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                // Tasks first: a node that joins after this read cannot be missing from the next one.
                List<TestService.Task> running = service.runningTasks();
                Map<String, String> state = ourNodes();
                for (TestService.Task task : running) {
                    if (!"ready".equals(state.get(task.nodeHostname()))) {
                        orphaned.add(task + " on " + state.get(task.nodeHostname()));
                    }
                }
            }
        }, "task-node-watcher");
        watcher.start();
        try {
            // Scale-out: a pending task makes the check add an agent, which joins; then every replica runs.
            await("a second agent", this::ourNodes, n -> n.size() == 2 && !n.containsValue("down"), Duration.ofSeconds(150));
            service.awaitRunning(replicas, Duration.ofSeconds(120));
            Set<String> hosts = service.runningTasks().stream().map(TestService.Task::nodeHostname).collect(Collectors.toSet());
            assertEquals(2, hosts.size(), "replicas run on both agents: " + hosts);

            // The check records its decision before it starts the capacity write and does not wait for ARM; the
            // status shows the decisions, and the capacity that ARM took.
            JsonNode status = await("the scale-out among the recorded decisions", this::status,
                    s -> s.path("recentDecisions").toString().contains("scale out"), Duration.ofSeconds(30));
            assertEquals(2, status.path("scaleSet").path("capacity").asInt(), status.toString());

            // Scale-in: with one replica left, an idle agent is drained and its instance deleted; the node goes away.
            cluster.manager().run("service", "scale", "--detach", service.name() + "=1");
            await("one agent left", this::ourNodes, n -> n.size() == 1, Duration.ofSeconds(150));
            service.awaitRunning(1, Duration.ofSeconds(60));
            assertEquals(1, get("/api/status").path("scaleSet").path("capacity").asInt());
            assertTerminateApprovedByTheAgentAfterItsDrain();
        } finally {
            watching.set(false);
            watcher.join();
        }
        assertEquals(List.of(), orphaned, "running tasks on a node that was not ready");
        String logs = cluster.host().output();
        assertTrue(logs.contains("drain") && logs.contains("delete its instance"), "scale-in was not drain-then-delete:\n"
                + logs.substring(Math.max(0, logs.length() - 8000)));
    }

    /**
     * Azure's Terminate notice for the scaled-in instance went to that instance's IMDS, and its own watcher approved it,
     * no earlier than the drain had recorded the node as drained.
     */
    private void assertTerminateApprovedByTheAgentAfterItsDrain() throws Exception {
        List<EventRecord> terminates = cluster.emulator().cloud().eventHistory().stream()
                .filter(event -> event.eventType().equals("Terminate")).toList();
        assertEquals(1, terminates.size(), terminates.toString());
        EventRecord terminate = terminates.get(0);
        String vm = terminate.resources().get(0);
        assertEquals(vm, terminate.approvedBy(), "the agent's own watcher approved: " + terminate);
        assertTrue(terminate.approvedAt().isBefore(terminate.notBefore()), "approved before NotBefore: " + terminate);
        String hostname = cluster.prefix() + String.format("%6s",
                Long.toString(Long.parseLong(vm.substring(vm.lastIndexOf('_') + 1)), 36)).replace(' ', '0');
        JsonNode drain = get("/api/drain/" + hostname);
        assertEquals("scale-in", drain.path("reason").asText(), drain.toString());
        Instant drainedAt = Instant.parse(drain.path("drainedAt").asText());
        assertFalse(terminate.approvedAt().isBefore(drainedAt), "approved at " + terminate.approvedAt()
                + ", before the drain recorded " + drainedAt);
    }

    @Test
    void autoscaleNotificationsForOurScaleSetQueueACheckAndOthersAre422() throws Exception {
        String ours = get("/api/status").path("scaleSet").path("id").asText();
        assertFalse(ours.isEmpty(), "the status names no scale set id");
        String foreign = notification("/subscriptions/" + java.util.UUID.randomUUID() + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/other");
        HttpResponse<String> refused = post("/api/autoscale", foreign);
        assertEquals(422, refused.statusCode(), refused.body());
        assertEquals("foreign_resource", JSON.readTree(refused.body()).path("error").asText());

        HttpResponse<String> accepted = post("/api/autoscale", notification(ours));
        assertEquals(202, accepted.statusCode(), accepted.body());
        assertEquals("queued", JSON.readTree(accepted.body()).path("capacityCheck").asText());
        // The queued check runs in this host and records its expectation: the guard then trusts the jump to 2.
        await("the announced check", () -> cluster.host().output(), out -> out.contains("Functions.capacityNow' (Succeeded"),
                Duration.ofSeconds(60));
    }

    /** Azure Monitor's notification as the Learn page "Use autoscale actions to send email and webhook alert notifications" shows it. */
    private static String notification(String resourceId) {
        String[] parts = resourceId.split("/");
        return """
                {"version": "1.0",
                 "status": "Activated",
                 "operation": "Scale Out",
                 "context": {
                   "timestamp": "2026-12-06T05:18:44.7591834Z",
                   "id": "/subscriptions/%1$s/resourceGroups/%2$s/providers/microsoft.insights/autoscalesettings/agents-autoscale",
                   "name": "agents-autoscale",
                   "details": "Autoscale successfully started scale operation for resource '%3$s' from capacity '1' to capacity '2'",
                   "subscriptionId": "%1$s",
                   "resourceGroupName": "%2$s",
                   "resourceName": "%3$s",
                   "resourceType": "microsoft.compute/virtualmachinescalesets",
                   "resourceId": "%4$s",
                   "portalLink": "https://portal.azure.com/#resource%4$s",
                   "resourceRegion": "westeurope",
                   "oldCapacity": "1",
                   "newCapacity": "2"
                 },
                 "properties": {}}
                """.formatted(parts[2], parts[4], parts[parts.length - 1], resourceId);
    }

    /** Only the autoscale route is posted to: with the function key, as Azure Monitor does. */
    private HttpResponse<String> post(String path, String body) throws Exception {
        return cluster.sendWithFunctionKey(HttpRequest.newBuilder(cluster.host().uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }
}
