package io.harbormaster.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.azure.storage.queue.QueueMessageEncoding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.testsupport.DockerCli;
import io.harbormaster.testsupport.LocalHostProcess;
import io.harbormaster.testsupport.LocalServices;
import io.harbormaster.testsupport.SeverableLink;
import io.harbormaster.testsupport.SwarmWorkers;
import io.harbormaster.testsupport.TestService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The whole drain path on a real multi-node swarm and Azurite: the drain function, the queue, the worker in the
 * embedded local host, and worker nodes that joined through the join function.
 *
 * <p>One host and one set of workers serve every case, booted once (fresh workers and a host for each case cost
 * 4-16 s a case, more under load): two bystanders take the replicas, and each case drains a node of its own that no other case
 * touches, so a drain's status, the node's removal and its tasks stay the case's own. A case's services see only its
 * three nodes ({@link #CASE_LABEL}); after each case its services go, the bystanders are active again, the link is
 * mended and a dead host replaced, so one case's failure does not carry into the next.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DrainIT {
    private static final String KEY = "drain-it-key-0123456789abcdef";
    /** The operator's key: drain (and join, which the workers still call with it) are ADMIN-level routes. */
    private static final String MASTER_KEY = "drain-it-master-key-0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(90);
    /** A failed delivery comes back after this, not host.json's 5 s: the poison message's five take 5 s, not 25. */
    private static final String RETRY_AFTER = "00:00:01";
    /** The node label that puts a case's services on its own target and the two bystanders, and nowhere else. */
    private static final String CASE_LABEL = "hm.drain-case";
    private static final int BYSTANDERS = 2;
    /** One target per case that runs in CI; a further case (the one tagged long) boots a node of its own. */
    private static final int TARGETS = 5;

    private SeverableLink managerLink;
    private LocalHostProcess host;
    private SwarmWorkers workers;
    /** Nodes booted for cases beyond {@link #TARGETS}. */
    private final List<SwarmWorkers> extraWorkers = new ArrayList<>();
    private final Deque<SwarmWorkers.Node> unusedTargets = new ArrayDeque<>();
    /** What hosts killed by a case printed: checked for secrets with the running host's output. */
    private final StringBuilder killedHostsOutput = new StringBuilder();
    private final DockerCli manager = DockerCli.forLocalManager();
    private int caseNumber;
    /** The host at the case's start, and how much it had printed by then: the case's own log lines follow. */
    private LocalHostProcess caseHost;
    private int caseOutputStart;
    private TestService service;

    @BeforeAll
    void startHostAndWorkers() throws Exception {
        // The worker reaches the manager through a cable the outage test can cut: mutual TLS through a relay.
        URI tls = URI.create(LocalServices.dockerTlsEndpoint());
        managerLink = SeverableLink.to(tls.getHost(), tls.getPort());
        // The workers join with the harness's token, not through the host: they boot while the host's JVM starts.
        host = launchHost();
        workers = SwarmWorkers.start(BYSTANDERS + TARGETS, host);
        host.awaitReady(Duration.ofSeconds(60));
        unusedTargets.addAll(workers.nodes().subList(BYSTANDERS, BYSTANDERS + TARGETS));
    }

    @BeforeEach
    void markCaseStart() {
        caseNumber++;
        caseHost = host;
        caseOutputStart = host.output().length();
    }

    /**
     * A node no other case drained, labelled with the bystanders for this case's services; booted now when the
     * class's own are used up.
     */
    private SwarmWorkers.Node freshTarget() {
        if (unusedTargets.isEmpty()) {
            SwarmWorkers more = SwarmWorkers.start(1, host);
            extraWorkers.add(more);
            for (SwarmWorkers.Node node : more.nodes()) {
                // The class's own label too: the case's services are placed on the class's workers only.
                manager.run("node", "update", "--label-add", SwarmWorkers.LABEL_KEY + "=" + workers.prefix(), node.nodeId());
            }
            unusedTargets.addAll(more.nodes());
        }
        SwarmWorkers.Node target = unusedTargets.removeFirst();
        for (SwarmWorkers.Node node : caseNodes(target)) {
            manager.run("node", "update", "--label-add", CASE_LABEL + "=" + caseNumber, node.nodeId());
        }
        return target;
    }

    /** The case's three nodes: its target and the bystanders. */
    private List<SwarmWorkers.Node> caseNodes(SwarmWorkers.Node target) {
        List<SwarmWorkers.Node> nodes = new ArrayList<>(workers.nodes().subList(0, BYSTANDERS));
        nodes.add(target);
        return nodes;
    }

    /** A service of this case's nodes only (its target and the bystanders), removed after the case. */
    private TestService caseService(String suffix, int replicas, String... options) {
        List<String> all = new ArrayList<>(List.of("--constraint", "node.labels." + CASE_LABEL + "==" + caseNumber));
        all.addAll(Arrays.asList(options));
        service = TestService.onWorkers(workers, suffix + "-" + caseNumber, replicas, all.toArray(String[]::new));
        return service;
    }

    /** What the host printed since the case started, across a restart within the case. */
    private String caseOutput() {
        return host == caseHost ? host.output().substring(caseOutputStart) : host.output();
    }

    /** The repository's host.json with only the queues' visibilityTimeout (the wait after a failed delivery) shortened. */
    private static Path quickRetryHostJson() throws java.io.IOException {
        JsonNode hostJson = JSON.readTree(Files.readString(Path.of("host.json")));
        JsonNode queues = hostJson.path("extensions").path("queues");
        assertEquals("00:00:05", queues.path("visibilityTimeout").asText(), "host.json's retry delay moved: " + queues);
        ((com.fasterxml.jackson.databind.node.ObjectNode) queues).put("visibilityTimeout", RETRY_AFTER);
        Path file = Files.createTempFile("drain-it-host-", ".json");
        file.toFile().deleteOnExit();
        Files.writeString(file, hostJson.toString());
        return file;
    }

    private LocalHostProcess startHost() throws Exception {
        return launchHost().awaitReady(Duration.ofSeconds(60));
    }

    /** The host's process, started and not yet listening. */
    private LocalHostProcess launchHost() throws Exception {
        Path certs = LocalServices.dockerTlsDirectory();
        return LocalHostProcess.start(LocalHostProcess.settings(
                "HARBORMASTER_HOST_JSON", quickRetryHostJson().toString(),
                "HARBORMASTER_DOCKER_HOSTS", "tcp://127.0.0.1:" + managerLink.port(),
                "HARBORMASTER_DOCKER_TLS_CA_PEM", Files.readString(certs.resolve("ca.pem")),
                "HARBORMASTER_DOCKER_TLS_CERT_PEM", Files.readString(certs.resolve("cert.pem")),
                "HARBORMASTER_DOCKER_TLS_KEY_PEM", Files.readString(certs.resolve("key.pem")),
                "HARBORMASTER_DOCKER_CONNECT_TIMEOUT", "1s",
                "HARBORMASTER_DOCKER_RESPONSE_TIMEOUT", "5s",
                "HARBORMASTER_DRAIN_CHECK_INTERVAL", "1s",
                // A killed host's message in progress comes back after this, not after the real host's 10 minutes.
                // A pass takes well under a second; one that outlasted this would only be delivered again.
                "HARBORMASTER_LOCAL_QUEUE_LEASE", "6s",
                "HARBORMASTER_LOCAL_FUNCTION_KEY", KEY,
                "HARBORMASTER_LOCAL_MASTER_KEY", MASTER_KEY,
                "AzureWebJobsStorage", LocalServices.storageConnectionString()));
    }

    /** Leaves the shared parts as the next case expects them, whatever state this case stopped in. */
    @AfterEach
    void resetSharedParts() throws Exception {
        try {
            if (service != null) {
                TestService ended = service;
                service = null;
                ended.close();
            }
        } finally {
            managerLink.mend();
            for (SwarmWorkers.Node bystander : workers.nodes().subList(0, BYSTANDERS)) {
                manager.run("node", "update", "--availability", "active", bystander.nodeId());
            }
            if (host != caseHost && caseHost != null) {
                killedHostsOutput.append(caseHost.output());
            }
            if (!host.alive()) {
                killedHostsOutput.append(host.output());
                host = startHost();
            }
            assertNoSecrets(killedHostsOutput + host.output());
        }
    }

    @AfterAll
    void cleanUp() throws Exception {
        try {
            try {
                for (SwarmWorkers more : extraWorkers) {
                    more.close();
                }
            } finally {
                if (workers != null) {
                    workers.close();
                }
            }
        } finally {
            if (host != null) {
                host.close();
                assertNoSecrets(killedHostsOutput + host.output());
            }
            if (managerLink != null) {
                managerLink.close();
            }
        }
    }

    private static void assertNoSecrets(String output) {
        assertFalse(output.contains(KEY), "the function key reached the logs");
        assertFalse(output.contains(MASTER_KEY), "the master key reached the logs");
        assertFalse(output.contains("SWMTKN-"), "a join token reached the logs");
    }

    /** Puts 4 of 6 replicas on {@code target} and one on each bystander. */
    private TestService fourOfSixOn(SwarmWorkers.Node target, String... options) throws Exception {
        List<SwarmWorkers.Node> caseNodes = caseNodes(target);
        for (SwarmWorkers.Node other : caseNodes) {
            if (!other.equals(target)) {
                manager.run("node", "update", "--availability", "pause", other.nodeId());
            }
        }
        TestService created = caseService("web", 4, options);
        created.awaitRunning(4, Duration.ofSeconds(60));
        for (SwarmWorkers.Node other : caseNodes) {
            if (!other.equals(target)) {
                manager.run("node", "update", "--availability", "active", other.nodeId());
            }
        }
        manager.run("service", "scale", "--detach", created.name() + "=6");
        created.awaitRunning(6, Duration.ofSeconds(60));
        assertEquals(4L, created.runningTasksPerNode().get(target.hostname()), created.runningTasksPerNode().toString());
        return created;
    }

    private HttpResponse<String> post(String node, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(host.uri("/api/drain/" + node))
                .header("x-functions-key", MASTER_KEY)
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode status(String node) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(host.uri("/api/drain/" + node))
                .header("x-functions-key", MASTER_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private JsonNode awaitStatus(String node, String what, Predicate<JsonNode> condition, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode status = status(node);
        while (!condition.test(status)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("drain of " + node + " not " + what + " within " + timeout + ": " + status
                        + "\nhost output:\n" + tail(host.output()));
            }
            Thread.sleep(100);
            status = status(node);
        }
        return status;
    }

    private static Predicate<JsonNode> state(String... states) {
        return status -> Arrays.asList(states).contains(status.path("state").asText());
    }

    private static String tail(String output) {
        return output.length() <= 6000 ? output : output.substring(output.length() - 6000);
    }

    /** What the agent's drain-on-shutdown does once the node is drained: leave, so the node goes down. */
    private static void leaveWhenDrained(SwarmWorkers.Node node) {
        node.docker().run("swarm", "leave");
    }

    /** The agent's leave after its shutdown drain removed the node: it works, and leaves no swarm state behind. */
    private static void leaveOnceRemoved(SwarmWorkers.Node node) {
        try {
            node.docker().run("swarm", "leave");
        } catch (RuntimeException e) {
            node.docker().run("swarm", "leave", "--force");
        }
        assertEquals("inactive", node.docker().run("info", "--format", "{{.Swarm.LocalNodeState}}").trim());
    }

    private boolean nodeListed(String nodeId) {
        return manager.run("node", "ls", "-q").lines().anyMatch(nodeId::startsWith);
    }

    @Test
    void aWorkerWithFourOfSixReplicasIsDrainedEveryReplicaRunsElsewhereAndTheNodeIsRemoved() throws Exception {
        SwarmWorkers.Node target = freshTarget();
        TestService web = fourOfSixOn(target);

        AtomicInteger fewestRunning = new AtomicInteger(Integer.MAX_VALUE);
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                int running = web.runningTasks().size();
                fewestRunning.accumulateAndGet(running, Math::min);
            }
        }, "running-count-watcher");
        watcher.start();
        try {
            HttpResponse<String> accepted = post(target.hostname(), "{\"reason\":\"shutdown\"}");
            assertEquals(202, accepted.statusCode(), accepted.body());
            JsonNode body = JSON.readTree(accepted.body());
            String requestId = body.path("requestId").asText();
            assertFalse(requestId.isEmpty(), accepted.body());
            assertTrue(accepted.headers().firstValue("location").orElse("").endsWith("/api/drain/" + target.hostname()),
                    accepted.headers().toString());
            // The request itself set the node to drain, before it answered: the queue carries only the follow-ups.
            assertEquals("drain", manager.run("node", "inspect", target.nodeId(), "--format", "{{.Spec.Availability}}"));

            // A shutdown drain removes the node as soon as it is drained, without waiting for its own leave (the VM
            // is going anyway): "drained" and "removed" come in one pass.
            JsonNode removed = awaitStatus(target.hostname(), "removed", state("removed"), DRAIN_TIMEOUT);
            assertEquals(requestId, removed.path("requestId").asText());
            assertEquals(0, removed.path("tasksRemaining").asInt());
            assertTrue(removed.path("finished").asBoolean());
            assertFalse(removed.path("drainedAt").asText().isEmpty(), removed.toString());
            assertFalse(nodeListed(target.nodeId()), "the node is still in the swarm");
            // Every replica runs on the other nodes.
            Map<String, Long> perNode = web.runningTasksPerNode();
            assertEquals(6L, perNode.values().stream().mapToLong(Long::longValue).sum(), perNode.toString());
            assertFalse(perNode.containsKey(target.hostname()), perNode.toString());
            // What the agent does next: its own leave only cleans its local state.
            leaveOnceRemoved(target);
            assertEquals(6, web.runningTasks().size());
        } finally {
            watching.set(false);
            watcher.join();
        }
        // Only the drained node's 4 tasks may be between homes; the other nodes' 2 never stop.
        assertTrue(fewestRunning.get() >= 2, "running replicas dropped to " + fewestRunning.get());
    }

    @Test
    void aSurgeServiceNeverRunsBelowItsReplicasWhileItsNodeLeavesAndGetsItsCountBack() throws Exception {
        SwarmWorkers.Node target = freshTarget();
        TestService web = fourOfSixOn(target, "--label", "io.harbormaster.drain=surge");
        String specBefore = manager.run("service", "inspect", web.name(), "--format",
                "{{json .Spec.TaskTemplate}} {{json .Spec.Labels}} {{json .Spec.UpdateConfig}}");

        AtomicInteger fewestRunning = new AtomicInteger(Integer.MAX_VALUE);
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                fewestRunning.accumulateAndGet(web.runningTasks().size(), Math::min);
            }
        }, "running-count-watcher");
        watcher.start();
        try {
            HttpResponse<String> accepted = post(target.hostname(), "{\"reason\":\"shutdown\"}");
            assertEquals(202, accepted.statusCode(), accepted.body());

            JsonNode drained = awaitStatus(target.hostname(), "removed", state("removed"), DRAIN_TIMEOUT);
            // Ours by name: a service another test left on the shared manager may have had tasks on the node too.
            JsonNode surge = JSON.createObjectNode();
            for (JsonNode entry : drained.path("surge")) {
                if (entry.path("service").asText().equals(web.name())) {
                    surge = entry;
                }
            }
            assertEquals(6, surge.path("originalReplicas").asInt(), drained.toString());
            assertEquals(4, surge.path("added").asInt(), drained.toString());
            assertEquals("restored", surge.path("phase").asText(), drained.toString());
            assertEquals("6", manager.run("service", "inspect", web.name(), "--format", "{{.Spec.Mode.Replicated.Replicas}}"));
            web.await("6 running elsewhere", tasks -> tasks.stream()
                    .filter(task -> task.running() && !task.nodeHostname().equals(target.hostname())).count() == 6
                    && tasks.stream().filter(TestService.Task::running).count() == 6, Duration.ofSeconds(30));

            leaveOnceRemoved(target);
        } finally {
            watching.set(false);
            watcher.join();
        }
        assertTrue(fewestRunning.get() >= 6, "running replicas dropped to " + fewestRunning.get());
        // Only the replica count was changed and changed back: nothing else of the spec went through our update.
        assertEquals(specBefore, manager.run("service", "inspect", web.name(), "--format",
                "{{json .Spec.TaskTemplate}} {{json .Spec.Labels}} {{json .Spec.UpdateConfig}}"));
    }

    // Not in CI: DrainWorkerTest covers redelivery pass by pass, and DrainRequestsTest the repeated request.
    @Tag("long")
    @Test
    void theSameRequestDeliveredThreeTimesHasTheOutcomeOfOne() throws Exception {
        SwarmWorkers.Node target = freshTarget();
        fourOfSixOn(target);
        HttpResponse<String> first = post(target.hostname(), null);
        assertEquals(202, first.statusCode(), first.body());
        String requestId = JSON.readTree(first.body()).path("requestId").asText();

        // Twice more through the function: the drain under way is the answer, nothing new is queued.
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> again = post(target.hostname(), null);
            assertEquals(200, again.statusCode(), again.body());
            assertEquals(requestId, JSON.readTree(again.body()).path("requestId").asText());
            assertTrue(JSON.readTree(again.body()).path("existing").asBoolean());
        }
        // And the queue itself delivers the original message twice more.
        QueueClient queue = new QueueClientBuilder().connectionString(LocalServices.storageConnectionString())
                .queueName(DrainQueue.NAME).messageEncoding(QueueMessageEncoding.NONE).buildClient();
        String original = DrainCodec.message(DrainMessage.of(requestId, target.hostname(), 0));
        queue.sendMessage(original);
        queue.sendMessage(original);

        awaitStatus(target.hostname(), "drained", state("drained"), DRAIN_TIMEOUT);
        leaveWhenDrained(target);
        JsonNode removed = awaitStatus(target.hostname(), "removed", state("removed"), DRAIN_TIMEOUT);
        assertEquals(requestId, removed.path("requestId").asText());
        assertFalse(nodeListed(target.nodeId()));
        String logs = caseOutput();
        assertEquals(1, count(logs, "drain " + requestId + " of " + target.hostname() + " ("), "one request recorded:\n" + tail(logs));
        assertEquals(1, count(logs, ": removed (finished)"), "removed once:\n" + tail(logs));
    }

    @Test
    void aWorkerProcessKilledMidDrainIsResumedByTheNextOne() throws Exception {
        SwarmWorkers.Node target = freshTarget();
        // Tasks whose stop signal the shell ignores take their 6 s grace period to stop: the drain is surely
        // under way when the worker process is killed.
        fourOfSixOn(target, "--stop-signal", "SIGWINCH", "--stop-grace-period", "6s");
        assertEquals(202, post(target.hostname(), null).statusCode());
        awaitStatus(target.hostname(), "draining", state("draining"), DRAIN_TIMEOUT);
        host.kill();
        String firstLogs = caseOutput();

        host = startHost();
        awaitStatus(target.hostname(), "drained", state("drained"), DRAIN_TIMEOUT);
        leaveWhenDrained(target);
        awaitStatus(target.hostname(), "removed", state("removed"), DRAIN_TIMEOUT);
        assertFalse(nodeListed(target.nodeId()));
        assertTrue(host.output().contains("of " + target.hostname() + ": "), "the new worker did not resume:\n" + tail(host.output()));
        assertFalse(firstLogs.contains(": removed"), "the first worker finished before it was killed");
    }

    @Test
    void aDrainOutlivesAnOutageOfTheManagersApi() throws Exception {
        SwarmWorkers.Node target = freshTarget();
        fourOfSixOn(target);
        assertEquals(202, post(target.hostname(), null).statusCode());
        awaitStatus(target.hostname(), "under way", state("draining", "drained"), DRAIN_TIMEOUT);

        managerLink.sever();
        long severedAt = System.nanoTime();
        JsonNode during = awaitStatus(target.hostname(), "reporting the outage",
                status -> status.path("lastError").asText().contains("no swarm manager answered"), Duration.ofSeconds(15));
        assertFalse(during.path("finished").asBoolean(), during.toString());
        // 8 s, several drain passes: chaos scenario (a) holds a 20 s outage mid-drain (bench/chaos.sh).
        long remaining = Duration.ofSeconds(8).toNanos() - (System.nanoTime() - severedAt);
        if (remaining > 0) {
            Thread.sleep(remaining / 1_000_000);
        }
        assertFalse(status(target.hostname()).path("finished").asBoolean(), "finished while the manager was unreachable");
        managerLink.mend();

        awaitStatus(target.hostname(), "drained", state("drained"), DRAIN_TIMEOUT);
        leaveWhenDrained(target);
        JsonNode removed = awaitStatus(target.hostname(), "removed", state("removed"), DRAIN_TIMEOUT);
        assertFalse(removed.has("lastError"), removed.toString());
        assertFalse(nodeListed(target.nodeId()));
    }

    @Test
    void aPoisonMessageEndsInThePoisonQueueAndTheStatusShowsFailed() throws Exception {
        SwarmWorkers.Node target = freshTarget();
        // Tasks pinned to the node have nowhere else to go, so the drain stays under way while the poison works.
        TestService pinned = caseService("pinned", 1, "--constraint", "node.hostname==" + target.hostname());
        pinned.awaitRunning(1, Duration.ofSeconds(60));
        HttpResponse<String> accepted = post(target.hostname(), null);
        assertEquals(202, accepted.statusCode(), accepted.body());
        String requestId = JSON.readTree(accepted.body()).path("requestId").asText();
        awaitStatus(target.hostname(), "draining", state("draining"), DRAIN_TIMEOUT);

        // A message from a newer release this worker cannot read: every delivery fails.
        QueueClient queue = new QueueClientBuilder().connectionString(LocalServices.storageConnectionString())
                .queueName(DrainQueue.NAME).messageEncoding(QueueMessageEncoding.NONE).buildClient();
        queue.sendMessage("{\"version\":99,\"requestId\":\"" + requestId + "\",\"hostname\":\"" + target.hostname() + "\",\"step\":0}");

        JsonNode failed = awaitStatus(target.hostname(), "failed", state("failed"), Duration.ofSeconds(120));
        assertEquals(requestId, failed.path("requestId").asText());
        assertTrue(failed.path("failure").asText().contains("every delivery"), failed.toString());
        assertTrue(failed.path("finished").asBoolean());
        String logs = caseOutput();
        assertTrue(logs.contains(DrainQueue.POISON_NAME), "nothing moved to the poison queue:\n" + tail(logs));
        assertTrue(logs.contains("unsupported drain message version 99"), tail(logs));
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }
}
