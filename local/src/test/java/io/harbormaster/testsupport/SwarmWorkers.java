package io.harbormaster.testsupport;

import io.harbormaster.emulator.nodes.DockerdMachines;
import io.harbormaster.emulator.nodes.MachineSpec;
import io.harbormaster.emulator.nodes.MachinesSettings;
import io.harbormaster.emulator.nodes.UnitState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Extra swarm worker nodes on this machine: emulated VMs ({@link DockerdMachines}, each a dockerd in its own
 * namespaces on the bridge) booted from the real cloud-init/agent.yml, that join the local manager through the join
 * function with the agents' own join unit. Only that unit is enabled ({@link WorkerCloudConfig}): the terminate
 * watcher and drain-on-shutdown do not run in these plain workers. Nodes are named
 * {@code <prefix>-1 .. <prefix>-k}; the name is also the node's hostname and its swarm node name.
 *
 * <p>{@link #close()} destroys every node (its processes, namespace, veth, address and folder) and removes the
 * nodes from the manager's node list, whatever state the test left them in. A JVM shutdown hook does the same if
 * a run is cut short before close.
 *
 * <p>Each node carries the label {@link #labelKey()}={@link #prefix()}; services placed with {@link #constraint()}
 * land on these nodes only, never on workers another test started on the same manager.
 */
public final class SwarmWorkers implements AutoCloseable {
    /** Address of the bridge hm-br0 on the host side: how nodes reach anything of this machine. */
    public static final String BRIDGE_ADDRESS = "10.213.77.1";
    public static final String LABEL_KEY = "hm.workers";

    private static final Logger LOG = Logger.getLogger(SwarmWorkers.class.getName());
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern SWARM_TOKEN = Pattern.compile("SWMTKN-[A-Za-z0-9-]+");
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,50}[a-z0-9])?");

    /** One worker node: a machine of {@link #nodesDirectory()} that joined the swarm. */
    public record Node(String name, String nodeId, String ip, String dockerHost, long pid, Path stateDir,
                       String netns, String veth) {
        /** The hostname: the swarm node's Description.Hostname, and what drain requests name. */
        public String hostname() {
            return name;
        }

        /** The node's own API socket, for {@code docker -H unix://...} against this worker. */
        public Path socket() {
            return Path.of(dockerHost.substring("unix://".length()));
        }

        /** The docker CLI against this worker's own daemon. */
        public DockerCli docker() {
            return DockerCli.forHost(dockerHost);
        }
    }

    /** Starting the nodes failed; what was started is already cleaned up. */
    public static final class StartException extends RuntimeException {
        StartException(String message) {
            super(message);
        }
    }

    private final String prefix;
    private final String managerHost;
    private final DockerdMachines machines;
    private final List<Node> nodes;
    private final Duration startDuration;
    private final Thread shutdownHook;
    private boolean closed;

    private SwarmWorkers(String prefix, String managerHost, DockerdMachines machines, List<Node> nodes,
                         Duration startDuration, Thread hook) {
        this.prefix = prefix;
        this.managerHost = managerHost;
        this.machines = machines;
        this.nodes = List.copyOf(nodes);
        this.startDuration = startDuration;
        this.shutdownHook = hook;
    }

    /** A fresh prefix such as {@code hm-it-3f9a0c1d}: unique, so names never collide with others' nodes. */
    public static String randomPrefix() {
        byte[] bytes = new byte[4];
        new SecureRandom().nextBytes(bytes);
        return "hm-it-" + HexFormat.of().formatHex(bytes);
    }

    /** Where nodes find the local host: its port on the bridge address, not on loopback. */
    public static URI joinUrl(LocalHostProcess host) {
        return URI.create("http://" + BRIDGE_ADDRESS + ":" + host.uri("/").getPort());
    }

    /** Starts {@code count} workers that join the local manager; their agent scripts point at this local host. */
    public static SwarmWorkers start(int count, LocalHostProcess host) {
        return start(randomPrefix(), count, joinUrl(host), null, Integer::toString);
    }

    /**
     * Starts {@code count} workers named {@code prefix-1..prefix-count} in parallel; each joins the local manager with
     * {@code joinToken} (null: the manager's current worker token) and is a Ready worker in the manager's node list
     * when this returns. On any failure every node of this prefix is destroyed and removed, and a
     * {@link StartException} says why (never with a join token in it).
     */
    public static SwarmWorkers start(String prefix, int count, URI functionUrl, String joinToken) {
        return start(prefix, count, functionUrl, joinToken, Integer::toString);
    }

    /**
     * Starts workers named as a Uniform scale set names its VMs' computers: {@code prefix-} then the number in base 36,
     * padded to 6 ({@code prefix-000002}); the prefix then plays the computer name prefix, {@code prefix-} (Learn:
     * "VM names and instance IDs"). Numbers run from 1 to {@code count}, as {@link #node(int)} counts.
     */
    public static SwarmWorkers startWithComputerNames(int count, LocalHostProcess host) {
        return start(randomPrefix(), count, joinUrl(host), null,
                i -> "0".repeat(Math.max(0, 6 - Integer.toString(i, 36).length())) + Integer.toString(i, 36));
    }

    private static SwarmWorkers start(String prefix, int count, URI functionUrl, String joinToken,
            java.util.function.IntFunction<String> suffix) {
        checkPrefix(prefix);
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1");
        }
        String managerHost = LocalServices.dockerHost();
        String token = joinToken != null ? joinToken
                : DockerCli.forHost(managerHost).run("swarm", "join-token", "--quiet", "worker").strip();
        String cloudConfig = WorkerCloudConfig.render(checkout().resolve("cloud-init/agent.yml"), functionUrl,
                BRIDGE_ADDRESS + ":2377", token);
        WorkerCleanup.sweepLeftovers(managerHost);
        long t0 = System.nanoTime();
        DockerdMachines machines = null;
        Thread hook = null;
        List<Node> nodes = new ArrayList<>();
        try {
            machines = machines();
            DockerdMachines booting = machines;
            hook = new Thread(() -> WorkerCleanup.cleanUp(booting, prefix, managerHost, List.of()), "swarm-workers-" + prefix);
            Runtime.getRuntime().addShutdownHook(hook);
            List<String> failures = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(count);
            try {
                List<Future<Node>> launches = new ArrayList<>();
                for (int i = 1; i <= count; i++) {
                    String name = prefix + "-" + suffix.apply(i);
                    launches.add(pool.submit(() -> boot(booting, name, cloudConfig, managerHost)));
                }
                for (int i = 0; i < count; i++) {
                    try {
                        nodes.add(launches.get(i).get());
                    } catch (ExecutionException e) {
                        failures.add(prefix + "-" + suffix.apply(i + 1) + ": " + e.getCause().getMessage());
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            if (!failures.isEmpty()) {
                throw new StartException(redact("could not start " + count + " swarm worker(s) joining "
                        + BRIDGE_ADDRESS + ":2377:\n" + String.join("\n", failures)));
            }
            DockerCli manager = DockerCli.forHost(managerHost);
            for (Node node : nodes) {
                manager.run("node", "update", "--label-add", LABEL_KEY + "=" + prefix, node.nodeId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cleanUpAfterFailedStart(machines, prefix, managerHost, nodes, hook);
            throw new IllegalStateException("interrupted while starting swarm workers " + prefix, e);
        } catch (RuntimeException | Error e) {
            cleanUpAfterFailedStart(machines, prefix, managerHost, nodes, hook);
            throw e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info(() -> "started " + count + " swarm worker(s) " + prefix + "-1.." + count + " in " + took.toMillis() + " ms");
        return new SwarmWorkers(prefix, managerHost, machines, nodes, took, hook);
    }

    public String prefix() {
        return prefix;
    }

    public List<Node> nodes() {
        return nodes;
    }

    /** The node {@code prefix-number}, numbered from 1 as the names are. */
    public Node node(int number) {
        return nodes.get(number - 1);
    }

    public Node nodeByHostname(String hostname) {
        return nodes.stream().filter(node -> node.hostname().equals(hostname)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + hostname + " in " + prefix));
    }

    public List<String> hostnames() {
        return nodes.stream().map(Node::hostname).toList();
    }

    public List<String> nodeIds() {
        return nodes.stream().map(Node::nodeId).toList();
    }

    /** Node id to hostname, for reading task placements. */
    public Map<String, String> hostnamesById() {
        Map<String, String> map = new LinkedHashMap<>();
        nodes.forEach(node -> map.put(node.nodeId(), node.hostname()));
        return map;
    }

    public String labelKey() {
        return LABEL_KEY;
    }

    /** A placement constraint that only these nodes satisfy. */
    public String constraint() {
        return "node.labels." + LABEL_KEY + "==" + prefix;
    }

    /** Time from the first node's launch to the last node being a Ready worker. */
    public Duration startDuration() {
        return startDuration;
    }

    /**
     * Cuts the node's power: its dockerd is SIGKILLed and every process of the node dies with it, nothing leaves
     * the swarm, and the manager marks the node down once its heartbeats stop. Its disk stays until {@link #close()}.
     */
    public void kill(Node node) {
        if (!machines.running(node.name())) {
            throw new AssertionError("could not kill " + node.name() + ": it is not running");
        }
        machines.kill(node.name());
    }

    /**
     * Starts {@code command} as a process of the node, as an agent's systemd unit runs on its VM: in the node's
     * network, UTS, mount and PID namespaces, with a clean environment but for DOCKER_HOST, the node's own socket.
     * Settings go in as {@code env VAR=value ...}, secrets in a file. Its output, merged, goes to {@code log}. The
     * process dies with the node at the latest; {@link #stopInNode} ends it sooner.
     */
    public Process startInNode(Node node, Path log, String... command) {
        ProcessBuilder builder = machines.inNode(node.name(), List.of(command))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run nsenter", e);
        }
    }

    /**
     * Kills a process {@link #startInNode} started, with everything it started: killing nsenter alone would
     * leave its child, now an orphan of the node's PID namespace, running in the node.
     */
    public static void stopInNode(Process process) throws InterruptedException {
        List<ProcessHandle> descendants = process.descendants().toList();
        descendants.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        for (ProcessHandle handle : descendants) {
            handle.onExit().completeOnTimeout(handle, 10, TimeUnit.SECONDS).join();
        }
    }

    /**
     * Destroys every node and removes it from the manager's node list. Throws if something could not be cleaned
     * up, so a leak fails the test instead of surprising the next one.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> problems = WorkerCleanup.cleanUp(machines, prefix, managerHost, nodeIds());
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it repeats the same idempotent clean-up
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("cleaning up swarm workers " + prefix + " failed:\n" + String.join("\n", problems));
        }
    }

    /**
     * Destroys every node of {@link #nodesDirectory()} named {@code prefix-*} (a dead run's leftovers, say) and
     * removes the nodes of that prefix from the manager's node list; throws if something could not be cleaned up.
     */
    public static void stopAndRemoveAll(String prefix) {
        checkPrefix(prefix);
        List<String> problems = WorkerCleanup.cleanUp(machines(), prefix, LocalServices.dockerHost(), List.of());
        if (!problems.isEmpty()) {
            throw new AssertionError("cleaning up swarm workers " + prefix + " failed:\n" + String.join("\n", problems));
        }
    }

    /** scripts/lib/node-init.sh of this checkout (a node's PID 1); its folder's grandparent is the checkout. */
    public static Path script() {
        return checkout().resolve("scripts/lib/node-init.sh");
    }

    /** Where the workers' machines keep one folder (disk) each: .dev/nodes of this checkout. */
    public static Path nodesDirectory() {
        return checkout().resolve(".dev").resolve("nodes");
    }

    /** Boots one node, waits for its join unit and for the manager to list it as a Ready worker. */
    private static Node boot(DockerdMachines machines, String name, String cloudConfig, String managerHost) throws IOException {
        // The folder and its owner first, so that a JVM killed mid-boot still leaves a leftover a later run sweeps.
        Path dir = nodesDirectory().resolve(name);
        Files.createDirectories(dir.getParent());
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.writeString(dir.resolve(WorkerCleanup.OWNER_FILE), WorkerCleanup.owner() + "\n");
        machines.boot(new MachineSpec(name, name, cloudConfig));
        Path joinLog = dir.resolve("units").resolve(WorkerCloudConfig.JOIN_UNIT + ".log");
        await(name + "'s join", JOIN_TIMEOUT, () -> {
            UnitState state = machines.units(name).getOrDefault(WorkerCloudConfig.JOIN_UNIT, UnitState.INACTIVE);
            if (state == UnitState.FAILED) {
                // docker swarm join's last words, such as "Error response from daemon: invalid join token".
                String why = WorkerCleanup.readQuietly(joinLog).lines().filter(line -> line.contains("rror"))
                        .reduce((a, b) -> b).map(line -> line.substring(line.indexOf(' ') + 1)).orElse("the join unit failed");
                throw new IllegalStateException("node " + name + " could not join the swarm: " + why);
            }
            if (!machines.running(name)) {
                throw new IllegalStateException("node " + name + " stopped while joining; see " + dir.resolve("dockerd.log"));
            }
            return Optional.of(state).filter(UnitState.ACTIVE::equals);
        }, () -> redact(WorkerCleanup.readQuietly(joinLog)));
        String dockerHost = machines.dockerHost(name);
        String nodeId = DockerCli.forHost(dockerHost).run("info", "--format", "{{.Swarm.NodeID}}");
        if (!nodeId.matches("[a-z0-9]{25}")) {
            throw new IllegalStateException("node " + name + " joined but has no swarm node id");
        }
        DockerCli manager = DockerCli.forHost(managerHost);
        await(name + " a Ready worker in the manager's node list", READY_TIMEOUT, () -> Optional.of(manager.run("node",
                "inspect", nodeId, "--format", "{{.Status.State}} {{.Spec.Role}} {{.Description.Hostname}}"))
                .filter(("ready worker " + name)::equals), () -> manager.run("node", "inspect", nodeId, "--format",
                "{{.Status.State}} {{.Spec.Role}} {{.Description.Hostname}}"));
        return new Node(name, nodeId, machines.address(name).orElseThrow().getHostAddress(), dockerHost,
                Long.parseLong(value(dir, "pid")), dir, value(dir, "netns"), value(dir, "veth"));
    }

    /** Polls {@code check} until it has a value; it may throw to give up. */
    private static <T> T await(String what, Duration timeout, java.util.function.Supplier<Optional<T>> check,
                               java.util.function.Supplier<String> context) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> value = check.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no " + what + " within " + timeout.toSeconds() + " s:\n" + context.get());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }

    static DockerdMachines machines() {
        MachinesSettings defaults = MachinesSettings.forCheckout(checkout());
        return new DockerdMachines(new MachinesSettings(nodesDirectory(), defaults.scripts(), defaults.bridge(),
                defaults.bridgeAddress(), defaults.leases(), defaults.startTimeout(),
                defaults.stopTimeout()));
    }

    private static void cleanUpAfterFailedStart(DockerdMachines machines, String prefix, String managerHost,
                                                List<Node> nodes, Thread hook) {
        List<String> problems = WorkerCleanup.cleanUp(machines == null ? machines() : machines, prefix, managerHost,
                nodes.stream().map(Node::nodeId).toList());
        problems.forEach(problem -> LOG.warning("after a failed start of " + prefix + ": " + problem));
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook repeats the same clean-up
            }
        }
    }

    /** This checkout: the folder above the working directory with scripts/lib/node-init.sh and a pom.xml. */
    private static Path checkout() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/lib/node-init.sh")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no scripts/lib/node-init.sh above " + Path.of("").toAbsolutePath());
    }

    private static void checkPrefix(String prefix) {
        if (!NAME.matcher(prefix).matches()) {
            throw new IllegalArgumentException("prefix '" + prefix + "' must be lowercase letters, digits and '-'");
        }
    }

    private static String value(Path dir, String file) {
        return WorkerCleanup.readQuietly(dir.resolve(file)).strip();
    }

    /** No swarm join token may reach an exception message or a log. */
    static String redact(String text) {
        return SWARM_TOKEN.matcher(text).replaceAll("SWMTKN-<redacted>");
    }
}
