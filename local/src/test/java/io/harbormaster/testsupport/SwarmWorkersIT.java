package io.harbormaster.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The multi-node harness against the real things: the local host's join function in a child JVM, the local swarm
 * manager, and worker dockerds in their own namespaces on the bridge.
 */
class SwarmWorkersIT {
    /** The host's master key: none of it may reach its logs (the workers join with the manager's token, no key). */
    private static final String KEY = UUID.randomUUID().toString();
    private static final String FUNCTION_KEY = UUID.randomUUID().toString();
    private static final Path LEASES = Path.of("/run/harbormaster-nodes");

    private static LocalHostProcess host;
    private static DockerCli manager;

    @BeforeAll
    static void startHost() throws Exception {
        manager = DockerCli.forLocalManager();
        host = LocalHostProcess.start(LocalHostProcess.settings(
                "HARBORMASTER_DOCKER_HOSTS", LocalServices.dockerHost(),
                "HARBORMASTER_LOCAL_FUNCTION_KEY", FUNCTION_KEY,
                "HARBORMASTER_LOCAL_MASTER_KEY", KEY,
                "AzureWebJobsStorage", LocalServices.storageConnectionString())).awaitReady(Duration.ofSeconds(60));
    }

    /** Neither the key nor a token reached the host's logs. */
    @AfterAll
    static void stopHostAndCheckItsLogs() throws Exception {
        if (host == null) {
            return;
        }
        host.close();
        String logs = host.output();
        assertFalse(logs.contains("SWMTKN"), "a swarm token in the host's logs");
        assertFalse(logs.contains(KEY), "the master key in the host's logs");
    }

    @Test
    void workersJoinThroughTheFunctionRunTasksAndLeaveNothingBehind() throws Exception {
        SwarmWorkers workers = SwarmWorkers.start(2, host);
        List<SwarmWorkers.Node> nodes = workers.nodes();
        Set<Long> nodeProcesses;
        try (workers) {
            assertEquals(List.of(workers.prefix() + "-1", workers.prefix() + "-2"), workers.hostnames());
            for (SwarmWorkers.Node node : nodes) {
                // The manager's own view: a Ready, active worker with the node's hostname and its bridge address.
                assertEquals("ready active worker " + node.hostname() + " " + node.ip() + " " + workers.prefix(),
                        manager.run("node", "inspect", node.nodeId(), "--format",
                                "{{.Status.State}} {{.Spec.Availability}} {{.Spec.Role}} {{.Description.Hostname}} "
                                        + "{{.Status.Addr}} {{index .Spec.Labels \"hm.workers\"}}"));
                // The node's own daemon, reached on its own socket, is that swarm node.
                assertEquals(node.nodeId() + " active " + node.ip() + " " + node.hostname(), node.docker().run("info",
                        "--format", "{{.Swarm.NodeID}} {{.Swarm.LocalNodeState}} {{.Swarm.NodeAddr}} {{.Name}}"));
                assertTrue(node.docker().run("image", "ls", "--format", "{{.Repository}}:{{.Tag}}")
                        .lines().anyMatch(TestService.IMAGE::equals), "no test image on " + node.hostname());
                // Its network namespace reaches the bridge's subnet and nothing beyond this machine: no default
                // route (swarm adds the node's own docker_gwbridge, which stays inside the namespace).
                List<String> routes = command("nsenter", "--net=/run/netns/" + node.netns(), "ip", "-4", "route")
                        .lines().map(String::strip).toList();
                assertTrue(routes.contains("10.213.77.0/24 dev eth0 proto kernel scope link src " + node.ip()), routes.toString());
                assertTrue(routes.stream().noneMatch(route -> route.startsWith("default")), routes.toString());
            }
            assertEquals(2, Set.copyOf(workers.nodeIds()).size());

            try (TestService service = TestService.onWorkers(workers, "spread", 4)) {
                List<TestService.Task> running = service.awaitRunning(4, Duration.ofSeconds(60));
                assertEquals(Map.of(nodes.get(0).hostname(), 2L, nodes.get(1).hostname(), 2L), service.runningTasksPerNode());
                for (SwarmWorkers.Node node : nodes) {
                    // The containers really run inside that node's own daemon.
                    Set<String> containers = Set.copyOf(node.docker().run("ps", "--no-trunc", "--quiet",
                            "--filter", "label=com.docker.swarm.service.name=" + service.name()).lines().toList());
                    Set<String> expected = new HashSet<>();
                    running.stream().filter(task -> task.nodeId().equals(node.nodeId()))
                            .forEach(task -> expected.add(task.containerId()));
                    assertEquals(expected, containers, node.hostname());
                }
                nodeProcesses = processesOf(nodes);
                assertTrue(nodeProcesses.size() >= 2 * 4, "expected dockerd, containerd, shims and tasks: " + nodeProcesses);
            }
        }
        assertNothingLeft(workers.prefix(), nodes, nodeProcesses);
    }

    @Test
    void aRejectedJoinFailsClearlyAndLeavesNothingBehind() throws Exception {
        String prefix = SwarmWorkers.randomPrefix();
        String real = DockerCli.forLocalManager().run("swarm", "join-token", "--quiet", "worker").strip();
        // The manager's own token with a wrong secret part: the manager refuses it.
        String wrongToken = real.substring(0, real.lastIndexOf('-') + 1) + "0".repeat(real.length() - real.lastIndexOf('-') - 1);
        SwarmWorkers.StartException failure = assertThrows(SwarmWorkers.StartException.class,
                () -> SwarmWorkers.start(prefix, 1, SwarmWorkers.joinUrl(host), wrongToken));
        String message = failure.getMessage();
        assertTrue(message.contains(prefix + "-1") && message.contains("join"), message);
        assertFalse(message.contains(wrongToken) || message.contains(real), "a join token in the error: " + message);
        assertNothingLeft(prefix, List.of(), Set.of());
    }

    /** The shape the drain tests use: 3 workers, 6 replicas, one node leaves (here by a power cut). */
    // Not in CI: it checks the harness (a killed worker goes down), which RebootIT and the chaos case exercise in use.
    @Tag("long")
    @Test
    void aKilledNodeGoesDownAndItsTasksRunOnTheOtherNodes() throws Exception {
        SwarmWorkers workers = SwarmWorkers.start(3, host);
        List<SwarmWorkers.Node> nodes = workers.nodes();
        Set<Long> killedProcesses;
        try (workers; TestService service = TestService.onWorkers(workers, "failover", 6)) {
            service.awaitRunning(6, Duration.ofSeconds(60));
            assertEquals(Map.of(nodes.get(0).hostname(), 2L, nodes.get(1).hostname(), 2L, nodes.get(2).hostname(), 2L),
                    service.runningTasksPerNode());
            SwarmWorkers.Node victim = workers.node(2);
            killedProcesses = processesOf(List.of(victim));

            workers.kill(victim);
            assertTrue(alive(killedProcesses).isEmpty(), "processes of the killed node still run: " + alive(killedProcesses));
            awaitNodeState(victim, "down", Duration.ofSeconds(60));
            service.await("6 running tasks, none on " + victim.hostname(), tasks -> tasks.stream()
                    .filter(TestService.Task::running).filter(task -> !task.nodeId().equals(victim.nodeId())).count() == 6,
                    Duration.ofSeconds(60));
            assertEquals(Map.of(nodes.get(0).hostname(), 3L, nodes.get(2).hostname(), 3L), service.runningTasksPerNode());
            for (SwarmWorkers.Node survivor : List.of(workers.node(1), workers.node(3))) {
                assertEquals("ready", manager.run("node", "inspect", survivor.nodeId(), "--format", "{{.Status.State}}"));
            }
        }
        assertNothingLeft(workers.prefix(), nodes, killedProcesses);
    }

    private static void awaitNodeState(SwarmWorkers.Node node, String state, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String seen;
        while (!(seen = manager.run("node", "inspect", node.nodeId(), "--format", "{{.Status.State}}")).equals(state)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(node.hostname() + " is " + seen + ", not " + state + ", after " + timeout);
            }
            Thread.sleep(250);
        }
    }

    /** Every process of these nodes: each dockerd and all its descendants (containerd, shims, task processes). */
    private static Set<Long> processesOf(List<SwarmWorkers.Node> nodes) {
        Set<Long> pids = new HashSet<>();
        for (SwarmWorkers.Node node : nodes) {
            ProcessHandle dockerd = ProcessHandle.of(node.pid()).orElseThrow(() -> new AssertionError(node.hostname() + " has no dockerd"));
            assertTrue(dockerd.info().command().orElse("").endsWith("dockerd"), dockerd.info().toString());
            pids.add(dockerd.pid());
            dockerd.descendants().forEach(process -> pids.add(process.pid()));
        }
        return pids;
    }

    private static List<Long> alive(Set<Long> pids) {
        return pids.stream().filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).toList();
    }

    /** No namespace, veth, process, folder (disk), address lease or swarm node of this prefix is left. */
    private static void assertNothingLeft(String prefix, List<SwarmWorkers.Node> nodes, Set<Long> processes) throws Exception {
        assertTrue(alive(processes).isEmpty(), "processes left: " + alive(processes));
        String namespaces = command("ip", "netns", "list");
        String links = command("ip", "-o", "link", "show");
        for (SwarmWorkers.Node node : nodes) {
            assertTrue(namespaces.lines().noneMatch(line -> line.equals(node.netns()) || line.startsWith(node.netns() + " ")),
                    "network namespace left: " + node.netns());
            assertFalse(links.contains(" " + node.veth() + "@") || links.contains(" " + node.veth() + ":"), "veth left: " + node.veth());
            assertFalse(Files.exists(node.stateDir()), "folder left: " + node.stateDir());
            assertFalse(Files.exists(node.socket()), "socket left: " + node.socket());
        }
        Path nodesDir = SwarmWorkers.nodesDirectory();
        try (Stream<Path> left = Files.isDirectory(nodesDir) ? Files.list(nodesDir) : Stream.empty()) {
            List<Path> folders = left.filter(path -> path.getFileName().toString().startsWith(prefix)).toList();
            assertTrue(folders.isEmpty(), "folders left: " + folders);
        }
        if (Files.isDirectory(LEASES)) {
            List<String> leases = new ArrayList<>();
            try (Stream<Path> files = Files.list(LEASES)) {
                for (Path lease : files.toList()) {
                    if (Files.readString(lease, StandardCharsets.UTF_8).contains("/" + prefix + "-")) {
                        leases.add(lease.getFileName().toString());
                    }
                }
            }
            assertTrue(leases.isEmpty(), "address leases left: " + leases);
        }
        List<String> leftProcesses = ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine().orElse("").contains(nodesDir + "/" + prefix + "-"))
                .map(process -> process.pid() + " " + process.info().commandLine().orElse("")).toList();
        assertTrue(leftProcesses.isEmpty(), "processes of the nodes' folders left: " + leftProcesses);
        String swarmNodes = manager.run("node", "ls", "--format", "{{.ID}} {{.Hostname}}");
        assertTrue(swarmNodes.lines().noneMatch(line -> line.contains(" " + prefix + "-")), "swarm nodes left:\n" + swarmNodes);
        for (SwarmWorkers.Node node : nodes) {
            assertFalse(swarmNodes.contains(node.nodeId()), "swarm node left: " + node.nodeId());
        }
    }

    private static String command(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }
}
