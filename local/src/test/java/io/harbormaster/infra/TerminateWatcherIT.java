package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.drain.BlobDrainStatusStore;
import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.drain.DrainStatusStore;
import io.harbormaster.emulator.imds.AttestedDocuments;
import io.harbormaster.emulator.imds.EventsDocument;
import io.harbormaster.emulator.imds.FakeImdsBackend;
import io.harbormaster.emulator.imds.ImdsServer;
import io.harbormaster.emulator.imds.ScheduledEvent;
import io.harbormaster.emulator.pki.EmulatorAuthority;
import io.harbormaster.testsupport.DockerCli;
import io.harbormaster.testsupport.LocalHostProcess;
import io.harbormaster.testsupport.LocalServices;
import io.harbormaster.testsupport.SwarmWorkers;
import io.harbormaster.testsupport.TestService;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agents' terminate watcher, cut from cloud-init/agent.yml, running as a process of a real swarm worker
 * (SwarmWorkers.startInNode: the node's network, UTS, mount and PID namespaces) against the real local host and the
 * emulator's real ImdsServer on the bridge, which knows the node by its address. Azure announces a Terminate; the
 * watcher must have every listed VM's node drained, every replica running elsewhere, before it approves; it never
 * approves a node still draining (Azure starts at NotBefore anyway); and a Terminate that Azure cancels mid-drain
 * gives the node back to service.
 *
 * <p>The workers carry a Uniform scale set's computer names ({@code <prefix>-000002} for VM {@code <prefix>-agents_2}),
 * from which the watcher tells the node of each VM an event lists.
 *
 * <p>The events come from FakeImdsBackend, IMDS's in-memory backend: swarm worker nodes are no emulated cloud
 * instances, so EmulatedCloud cannot name them. It never starts an approved event, so the watcher must itself not
 * approve twice.
 *
 * <p>The node itself booted from agent.yml and joined through the agents' harbormaster-join unit (SwarmWorkers).
 */
class TerminateWatcherIT {
    private static final String AGENT = "cloud-init/agent.yml";
    private static final String WATCHER = "/usr/local/bin/harbormaster-terminate-watcher";
    /** The master key: drain (and join, which the workers still call) are ADMIN-level routes. */
    private static final String KEY = "terminate-watcher-it-key-0123456789abcdef";
    private static final String FUNCTION_KEY = "terminate-watcher-it-function-key-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(120);

    /** What the backend saw, synchronously, when the watcher approved: the drain states and where tasks ran. */
    record AtApproval(String drainState, String peerDrainState, Map<String, Long> runningPerNode) {}

    @TempDir
    Path dir;
    private LocalHostProcess host;
    private SwarmWorkers workers;
    private TestService service;
    private FakeImdsBackend events;
    private ObservedImdsBackend<AtApproval> backend;
    private ImdsServer imds;
    private String vm;
    private Process watcher;
    private Path watcherLog;
    private SwarmWorkers.Node target;
    private SwarmWorkers.Node peer;
    private TestService pinned;
    private boolean watcherMayExit;
    private BlobDrainStatusStore statuses;

    @BeforeEach
    void startHostAndWorkers() throws Exception {
        HostTools.require("curl", "apt-get install -y curl");
        HostTools.require("python3", "apt-get install -y python3");
        statuses = BlobDrainStatusStore.connect(new StorageSettings(LocalServices.storageConnectionString()));
        host = LocalHostProcess.start(LocalHostProcess.settings(
                "HARBORMASTER_DOCKER_HOSTS", LocalServices.dockerHost(),
                "HARBORMASTER_DRAIN_CHECK_INTERVAL", "1s",
                "HARBORMASTER_LOCAL_FUNCTION_KEY", FUNCTION_KEY,
                "HARBORMASTER_LOCAL_MASTER_KEY", KEY,
                "AzureWebJobsStorage", LocalServices.storageConnectionString())).awaitReady(Duration.ofSeconds(60));
        workers = SwarmWorkers.startWithComputerNames(3, host, KEY);
        target = workers.node(2);
        peer = workers.node(3);
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (watcher != null) {
                SwarmWorkers.stopInNode(watcher);
            }
            if (imds != null) {
                imds.close();
            }
            if (service != null) {
                service.close();
            }
            if (pinned != null) {
                pinned.close();
            }
            if (workers != null) {
                workers.close();
            }
        } finally {
            if (host != null) {
                host.close();
                assertFalse(host.output().contains(KEY), "the master key reached the host's logs");
                assertFalse(host.output().contains("SWMTKN-"), "a join token reached the host's logs");
            }
        }
        if (watcherLog != null && Files.exists(watcherLog)) {
            String log = Files.readString(watcherLog);
            assertFalse(log.contains(KEY), "the master key reached the watcher's output");
            assertFalse(log.contains("SWMTKN-"), "a join token reached the watcher's output");
        }
    }

    @Test
    void theWatcherApprovesTheTerminateOnlyOnceTheNodeIsDrainedAndEveryReplicaRunsElsewhere() throws Exception {
        service = TestService.onWorkers(workers, "web", 6);
        service.awaitRunning(6, Duration.ofSeconds(60));
        assertTrue(service.runningTasksPerNode().getOrDefault(target.hostname(), 0L) > 0,
                "nothing to drain on " + target.hostname() + ": " + service.runningTasksPerNode());
        startImdsAndWatcher(Map.of());

        DrainPoller poller = new DrainPoller(target.hostname());
        poller.start();
        String eventId = announceTerminate(Instant.now().plus(Duration.ofMinutes(15)), vm);
        ObservedImdsBackend.Approval<AtApproval> approval = awaitApproval(Duration.ofSeconds(60));

        assertEquals(List.of(vm + ":" + eventId), events.approvals());
        JsonNode status = drainStatus(target.hostname());
        assertEquals("terminate-notification", status.path("reason").asText(), status.toString());
        // Read while the watcher's approval was still waiting for ImdsServer's answer.
        assertEquals("drained", approval.observed().drainState(), approval.toString());
        assertEquals("HTTP 404", approval.observed().peerDrainState(), "a VM the event does not list is left alone");
        Map<String, Long> perNode = approval.observed().runningPerNode();
        assertEquals(6L, perNode.values().stream().mapToLong(Long::longValue).sum(), "at approval: " + perNode);
        assertFalse(perNode.containsKey(target.hostname()), "at approval: " + perNode);

        // The event stays Scheduled in this backend; the watcher keeps watching but approves nothing twice.
        int documents = backend.documentsServed();
        awaitTrue("two more scheduled-events documents read", Duration.ofSeconds(15),
                () -> backend.documentsServed() >= documents + 2);
        poller.stop();
        // The order is judged by the drain's own record of when it was done. The poller's first sight of
        // "drained" may come a poll after the watcher's own, so it only shows the status did read drained.
        DrainStatus stored = statuses.read(target.hostname()).map(DrainStatusStore.Stored::status).orElseThrow();
        assertNotNull(stored.drainedAt(), stored.toString());
        assertTrue(approval.at().isAfter(stored.drainedAt()), "approved at " + approval.at() + ", drained at "
                + stored.drainedAt() + " (first read drained by polling at " + poller.firstDrained.get() + ")");
        assertNotNull(poller.firstDrained.get(), "the status never read drained");
        assertTrue(poller.draining.get(), "the drain was never seen under way: nothing was waited for");
        assertEquals(1, backend.approvals().size(), backend.approvals().toString());
        assertNoImdsRefusal();
        assertTrue(watcher.isAlive(), "the watcher exited after approving:\n" + watcherOutput());

        // Azure deletes the VM: the watcher, a process of the node, goes with it, and the drain removes the node.
        watcherMayExit = true;
        workers.kill(target);
        assertTrue(watcher.waitFor(15, TimeUnit.SECONDS), "the watcher outlived its node:\n" + watcherOutput());
        awaitTrue("the drain to remove " + target.hostname(), DRAIN_TIMEOUT,
                () -> "removed".equals(drainStatus(target.hostname()).path("state").asText()));

        String log = watcherOutput();
        // The hostname the watcher drained is the node's own (UTS namespace), not this machine's.
        assertTrue(log.contains("watching scheduled events for VM " + vm + " (swarm node " + target.hostname() + ")"), log);
        assertTrue(log.contains("node " + target.hostname() + " is drained"), log);
        assertTrue(log.contains("approved event " + eventId), log);
    }

    @Test
    void aTerminateCancelledMidDrainGivesTheNodeBackToServiceAndKeepsTheVm() throws Exception {
        service = TestService.onWorkers(workers, "pinned", 2, "--constraint", "node.hostname==" + target.hostname());
        service.awaitRunning(2, Duration.ofSeconds(60));
        startImdsAndWatcher(Map.of());

        announceTerminate(Instant.now().plus(Duration.ofMinutes(15)), vm);
        awaitTrue("the drain under way", Duration.ofSeconds(60),
                () -> "draining".equals(drainStatus(target.hostname()).path("state").asText()));
        awaitTrue("the pinned tasks to stop", Duration.ofSeconds(60), () -> service.runningTasksPerNode().isEmpty());
        // Azure calls the Terminate off: it leaves the document.
        events.events(new EventsDocument(3, List.of()));

        awaitTrue("the drain to be called off", Duration.ofSeconds(30),
                () -> "cancelled".equals(drainStatus(target.hostname()).path("state").asText()));
        DockerCli manager = DockerCli.forLocalManager();
        assertEquals("active", manager.run("node", "inspect", "--format", "{{.Spec.Availability}}", target.nodeId()).strip());
        assertEquals("", manager.run("node", "inspect", "--format",
                "{{index .Spec.Labels \"" + DrainProgress.REQUEST_LABEL + "\"}}", target.nodeId()).strip().replace("<no value>", ""));
        service.awaitRunning(2, Duration.ofSeconds(60));
        assertEquals(Map.of(target.hostname(), 2L), service.runningTasksPerNode());
        assertEquals(List.of(), backend.approvals(), "a cancelled event was approved");
        // The VM is kept: the node stays in the swarm, Ready, and the drain never reaches removed.
        Thread.sleep(3000);
        assertEquals("cancelled", drainStatus(target.hostname()).path("state").asText());
        assertEquals("ready", manager.run("node", "inspect", "--format", "{{.Status.State}}", target.nodeId()).strip());
        assertTrue(watcher.isAlive(), watcherOutput());
        assertTrue(watcherOutput().contains("before it was approved: Azure cancelled it"), watcherOutput());
        assertTrue(watcherOutput().contains("drain of " + target.hostname() + " called off"), watcherOutput());
        assertNoImdsRefusal();
    }

    @Test
    void aTerminateOfTwoVmsIsApprovedOnlyOnceBothNodesAreDrained() throws Exception {
        service = TestService.onWorkers(workers, "web", 6);
        // One task that only the peer may run: the peer's drain cannot finish until it is gone.
        pinned = TestService.onWorkers(workers, "pinned", 1, "--constraint", "node.hostname==" + peer.hostname());
        service.awaitRunning(6, Duration.ofSeconds(60));
        pinned.awaitRunning(1, Duration.ofSeconds(60));
        startImdsAndWatcher(Map.of());
        String peerVm = vmName(peer);

        String eventId = announceTerminate(Instant.now().plus(Duration.ofMinutes(15)), vm, peerVm);
        awaitTrue("this node drained", Duration.ofSeconds(60),
                () -> "drained".equals(drainStatus(target.hostname()).path("state").asText()));
        // The watcher asked for the peer's drain too: approving lets Azure delete both.
        awaitTrue("the peer's drain under way", Duration.ofSeconds(30),
                () -> "draining".equals(drainStatus(peer.hostname()).path("state").asText()));
        assertEquals("terminate-notification", drainStatus(peer.hostname()).path("reason").asText());
        int documents = backend.documentsServed();
        awaitTrue("three more rounds of the watcher", Duration.ofSeconds(30), () -> backend.documentsServed() >= documents + 3);
        assertEquals(List.of(), backend.approvals(), "approved while the peer was still draining");

        pinned.close();
        pinned = null;
        ObservedImdsBackend.Approval<AtApproval> approval = awaitApproval(Duration.ofSeconds(60));

        assertEquals(List.of(vm + ":" + eventId), events.approvals());
        assertEquals("drained", approval.observed().drainState(), approval.toString());
        assertEquals("drained", approval.observed().peerDrainState(), approval.toString());
        Map<String, Long> perNode = approval.observed().runningPerNode();
        assertEquals(6L, perNode.values().stream().mapToLong(Long::longValue).sum(), "at approval: " + perNode);
        assertFalse(perNode.containsKey(target.hostname()) || perNode.containsKey(peer.hostname()), "at approval: " + perNode);
        assertTrue(watcherOutput().contains("node " + peer.hostname() + " is drained"), watcherOutput());
        assertNoImdsRefusal();
    }

    /**
     * Starts the emulator's IMDS on the bridge, where the node reaches it and is known by its address, and the watcher
     * inside the target node.
     */
    private void startImdsAndWatcher(Map<String, String> extraSettings) throws Exception {
        vm = vmName(target);
        events = new FakeImdsBackend().add(target.ip(), FakeImdsBackend.vm(vm, UUID.randomUUID().toString()));
        backend = new ObservedImdsBackend<>(events, () -> new AtApproval(drainStatus(target.hostname()).path("state").asText(),
                drainStatus(peer.hostname()).path("state").asText(), service.runningTasksPerNode()));
        EmulatorAuthority authority = EmulatorAuthority.loadOrCreate(dir.resolve("authority"));
        // Lenient on rate: the watcher polls every second, and a 429 is not what this test is about.
        imds = new ImdsServer(new InetSocketAddress(InetAddress.getByName(SwarmWorkers.BRIDGE_ADDRESS), 0), backend,
                new AttestedDocuments(authority.imdsSigning(), Clock.systemUTC()), 50).start();

        Path script = CloudInitFiles.extractScript(AGENT, WATCHER, dir);
        // The node's settings as agent.env carries them, in a file only root reads: the key never on a command line.
        Path env = dir.resolve("agent.env");
        Files.createFile(env, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        StringBuilder text = new StringBuilder()
                .append("HARBORMASTER_FUNCTION_URL=").append(SwarmWorkers.joinUrl(host)).append('\n')
                .append("HARBORMASTER_IMDS_URL=").append(imds.url()).append('\n')
                // A swarm worker of the test swarm, not a VM booted by cloud-init: no IMDS guard, so plain curl.
                .append("HARBORMASTER_IMDS_CURL=curl\n")
                .append("HARBORMASTER_FUNCTION_KEY=").append(KEY).append('\n')
                .append("HARBORMASTER_EVENTS_POLL_SECONDS=1\n")
                .append("HARBORMASTER_DRAIN_POLL_SECONDS=1\n");
        extraSettings.forEach((name, value) -> text.append(name).append('=').append(value).append('\n'));
        Files.writeString(env, text);

        watcherLog = dir.resolve("watcher.log");
        watcher = workers.startInNode(target, watcherLog, "env", "HARBORMASTER_AGENT_ENV=" + env, "sh", script.toString());
        // Watching means it learnt its VM name (it asks for nothing else before) and read the still empty events.
        awaitTrue("the watcher to read scheduled events", Duration.ofSeconds(30), () -> backend.documentsServed() > 0);
        assertTrue(watcherOutput().contains("watching scheduled events for VM " + vm), watcherOutput());
    }

    /** Azure posts a Terminate for these VMs, as the real document shows it. */
    private String announceTerminate(Instant notBefore, String... vms) {
        String eventId = UUID.randomUUID().toString().toUpperCase(java.util.Locale.ROOT);
        events.events(new EventsDocument(2, List.of(new ScheduledEvent(eventId, "Terminate", "VirtualMachine", List.of(vms),
                "Scheduled", notBefore, "Virtual machine is being deleted.", "Platform", -1))));
        return eventId;
    }

    private ObservedImdsBackend.Approval<AtApproval> awaitApproval(Duration timeout) throws Exception {
        awaitTrue("the watcher's approval", timeout, () -> !backend.approvals().isEmpty());
        return backend.approvals().get(0);
    }

    /** ImdsServer answers a request that breaks IMDS's rules with 4xx, which the watcher's curl -f reports. */
    private void assertNoImdsRefusal() {
        String log = watcherOutput();
        assertFalse(log.contains("returned error") || log.contains("scheduled events unavailable")
                || log.contains("could not approve"), log);
    }

    private void awaitTrue(String what, Duration timeout, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (watcher != null && !watcherMayExit && !watcher.isAlive()) {
                throw new AssertionError("the watcher exited (" + watcher.exitValue() + ") while waiting for " + what + ":\n"
                        + watcherOutput());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what
                        + "\nIMDS approvals: " + (backend == null ? "-" : backend.approvals())
                        + "\nwatcher output:\n" + watcherOutput() + "\nhost output:\n" + tail(host.output()));
            }
            Thread.sleep(100);
        }
    }

    private JsonNode drainStatus(String node) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(host.uri("/api/drain/" + node))
                    .header("x-functions-key", KEY).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : JSON.createObjectNode().put("state", "HTTP " + response.statusCode());
        } catch (IOException e) {
            return JSON.createObjectNode().put("state", "no answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Watches the drain status from outside, as an operator would. */
    private final class DrainPoller {
        private final String node;
        private final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicBoolean draining = new AtomicBoolean();
        final AtomicReference<Instant> firstDrained = new AtomicReference<>();
        private final Thread thread;

        DrainPoller(String node) {
            this.node = node;
            this.thread = new Thread(this::poll, "drain-poller-" + node);
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void poll() {
            while (running.get()) {
                String state = drainStatus(node).path("state").asText();
                if (state.equals("requested") || state.equals("draining")) {
                    draining.set(true);
                } else if (state.equals("drained") || state.equals("removed")) {
                    firstDrained.compareAndSet(null, Instant.now());
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(15_000);
        }
    }

    private String watcherOutput() {
        try {
            return watcherLog != null && Files.exists(watcherLog) ? Files.readString(watcherLog) : "";
        } catch (IOException e) {
            return "cannot read " + watcherLog + ": " + e.getMessage();
        }
    }

    /**
     * An agents' scale set VM name, {@code <set>_<instance id>}, not the node's hostname: that is its computer name,
     * {@code <prefix>-<instance id in base 36, padded to 6>}, as in Azure.
     */
    private String vmName(SwarmWorkers.Node node) {
        return workers.prefix() + "-agents_" + Integer.parseInt(node.name().substring(node.name().lastIndexOf('-') + 1), 36);
    }

    private static String tail(String output) {
        return output.length() <= 6000 ? output : output.substring(output.length() - 6000);
    }
}
