package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobServiceClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.testsupport.DockerCli;
import io.harbormaster.testsupport.LocalHostProcess;
import io.harbormaster.testsupport.LocalServices;
import io.harbormaster.testsupport.SwarmWorkers;
import io.harbormaster.testsupport.TestService;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The capacity check end to end on the local cluster: the timer in the embedded host plans on the real swarm and
 * scales the local scale set, whose new nodes join through the join function; scale-in drains, then deletes.
 */
class CapacityIT {
    private static final String KEY = "capacity-it-" + UUID.randomUUID();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final DockerCli manager = DockerCli.forLocalManager();
    private final String prefix = SwarmWorkers.randomPrefix();
    private final Path nodes = SwarmWorkers.nodesDirectory();
    private LocalHostProcess host;
    private Path keyFile;
    private TestService service;

    @BeforeEach
    void startHost() throws Exception {
        // Each cluster keeps one history; a previous run's would be another cluster's.
        var capacity = new BlobServiceClientBuilder().connectionString(LocalServices.storageConnectionString())
                .buildClient().getBlobContainerClient(BlobCapacityState.CONTAINER);
        if (capacity.exists()) {
            capacity.getBlobClient("history.json").deleteIfExists();
        }
        keyFile = Files.createTempFile("hm-capacity-it-key", "",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, KEY + "\n");
        int port = LocalHostProcess.freePort();
        host = LocalHostProcess.start(LocalHostProcess.settings(
                "HARBORMASTER_DOCKER_HOSTS", LocalServices.dockerHost(),
                "HARBORMASTER_LOCAL_FUNCTION_KEY", KEY,
                "AzureWebJobsStorage", LocalServices.storageConnectionString(),
                "HARBORMASTER_LOCAL_SCALE_SET", SwarmWorkers.script().toString(),
                "HARBORMASTER_LOCAL_SCALE_SET_JOIN_URL", "http://" + SwarmWorkers.BRIDGE_ADDRESS + ":" + port,
                "HARBORMASTER_LOCAL_SCALE_SET_KEY_FILE", keyFile.toString(),
                "HARBORMASTER_LOCAL_SCALE_SET_PREFIX", prefix,
                "HARBORMASTER_LOCAL_SCALE_SET_MAX_CAPACITY", "3",
                "HARBORMASTER_CAPACITY_SCHEDULE", "*/5 * * * * *",
                "HARBORMASTER_CAPACITY_MIN_AGENTS", "1",
                "HARBORMASTER_CAPACITY_MAX_AGENTS", "3",
                "HARBORMASTER_CAPACITY_MAX_SCALE_OUT_STEP", "2",
                "HARBORMASTER_CAPACITY_UNNEEDED_TIME", "15s",
                "HARBORMASTER_CAPACITY_SCALE_IN_DELAY_AFTER_SCALE_OUT", "5s",
                "HARBORMASTER_DRAIN_CHECK_INTERVAL", "1s"), port).awaitReady(Duration.ofSeconds(60));
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (service != null) {
                service.close();
            }
            if (host != null) {
                host.close();
            }
            SwarmWorkers.stopAndRemoveAll(prefix);
        } finally {
            Files.deleteIfExists(nodes.resolve(prefix + ".scale-set"));
            Files.deleteIfExists(nodes.resolve(prefix + ".scale-set.lock"));
            Files.deleteIfExists(keyFile);
            if (host != null) {
                assertFalse(host.output().contains(KEY), "the function key reached the logs");
                assertFalse(host.output().contains("SWMTKN-"), "a join token reached the logs");
            }
        }
    }

    /** Hostname to state of this test's nodes, as the manager lists them. */
    private Map<String, String> ourNodes() {
        return manager.run("node", "ls", "--format", "{{.Hostname}} {{.Status}}").lines()
                .filter(line -> line.startsWith(prefix + "-"))
                .collect(Collectors.toMap(line -> line.split(" ")[0], line -> line.split(" ")[1].toLowerCase()));
    }

    private <T> T await(String what, Supplier<T> read, java.util.function.Predicate<T> done, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        T value = read.get();
        while (!done.test(value)) {
            if (System.nanoTime() > deadline) {
                String output = host.output();
                throw new AssertionError(what + " not reached within " + timeout + ": " + value + "\nhost output:\n"
                        + output.substring(Math.max(0, output.length() - 8000)));
            }
            Thread.sleep(500);
            value = read.get();
        }
        return value;
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(host.uri(path)).header("x-functions-key", KEY)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    @Test
    void scalesOutForUnplaceableTasksAndScalesInByDrainThenDelete() throws Exception {
        // The minimum brings the first agent.
        await("one ready agent", this::ourNodes, n -> n.size() == 1 && n.containsValue("ready"), Duration.ofSeconds(120));

        // Each agent has the machine's CPUs; three replicas reserving one CPU each cannot all fit on one agent of 2.
        int cpus = Runtime.getRuntime().availableProcessors();
        int replicas = cpus + 1;
        service = TestService.create(manager, prefix + "-web", replicas, "--reserve-cpu", "1",
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

            JsonNode status = get("/api/status");
            assertTrue(status.path("recentDecisions").toString().contains("scale out"), status.toString());
            assertEquals(2, status.path("scaleSet").path("capacity").asInt(), status.toString());

            // Scale-in: with one replica left, an idle agent is drained and its instance deleted; the node goes away.
            manager.run("service", "scale", "--detach", service.name() + "=1");
            await("one agent left", this::ourNodes, n -> n.size() == 1, Duration.ofSeconds(150));
            service.awaitRunning(1, Duration.ofSeconds(60));
            assertEquals(1, get("/api/status").path("scaleSet").path("capacity").asInt());
        } finally {
            watching.set(false);
            watcher.join();
        }
        assertEquals(List.of(), orphaned, "running tasks on a node that was not ready");
        String logs = host.output();
        assertTrue(logs.contains("drain") && logs.contains("delete its instance"), "scale-in was not drain-then-delete:\n"
                + logs.substring(Math.max(0, logs.length() - 8000)));
    }

    @Test
    void autoscaleNotificationsForOurScaleSetQueueACheckAndOthersAre422() throws Exception {
        String ours = get("/api/status").path("scaleSet").path("id").asText();
        assertFalse(ours.isEmpty(), "the status names no scale set id");
        String foreign = notification("/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/other");
        HttpResponse<String> refused = post("/api/autoscale", foreign);
        assertEquals(422, refused.statusCode(), refused.body());
        assertEquals("foreign_resource", JSON.readTree(refused.body()).path("error").asText());

        HttpResponse<String> accepted = post("/api/autoscale", notification(ours));
        assertEquals(202, accepted.statusCode(), accepted.body());
        assertEquals("queued", JSON.readTree(accepted.body()).path("capacityCheck").asText());
        // The queued check runs in this host and records its expectation: the guard then trusts the jump to 2.
        await("the announced check", () -> host.output(), out -> out.contains("Functions.capacityNow' (Succeeded"),
                Duration.ofSeconds(60));
    }

    private static String notification(String resourceId) {
        return "{\"version\":\"1.0\",\"status\":\"Activated\",\"operation\":\"Scale Out\",\"context\":{"
                + "\"resourceId\":\"" + resourceId + "\",\"oldCapacity\":\"1\",\"newCapacity\":\"2\"}}";
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(host.uri(path)).header("x-functions-key", KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
