package io.harbormaster.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Extra swarm worker nodes on this machine, each a dockerd in its own namespaces that joined the local manager
 * through the join function, as an agent VM does (scripts/lib/worker-nodes.sh, which runs the agents' own join
 * script inside the node's network namespace). Nodes are named {@code <prefix>-1 .. <prefix>-k}; the name is
 * also the node's hostname and its swarm node name.
 *
 * <p>{@link #close()} stops every node (its dockerd by pid, then its namespace, veth and folders) and removes the
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
    private static final Duration START_TIMEOUT = Duration.ofSeconds(240);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern SWARM_TOKEN = Pattern.compile("SWMTKN-[A-Za-z0-9-]+");
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,50}[a-z0-9])?");

    /** One worker node, as worker-nodes.sh reports it. */
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
    private final List<Node> nodes;
    private final Duration startDuration;
    private final Thread shutdownHook;
    private boolean closed;

    private SwarmWorkers(String prefix, String managerHost, List<Node> nodes, Duration startDuration, Thread hook) {
        this.prefix = prefix;
        this.managerHost = managerHost;
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

    /** Starts {@code count} workers that join through this local host's join function with this key. */
    public static SwarmWorkers start(int count, LocalHostProcess host, String functionKey) {
        return start(randomPrefix(), count, joinUrl(host), functionKey);
    }

    /**
     * Starts {@code count} workers named {@code prefix-1..prefix-count} in parallel; each joins through
     * {@code joinUrl}/api/join/worker with {@code functionKey} and is a Ready worker in the manager's node list
     * when this returns. On any failure every node of this prefix is stopped and removed, and a
     * {@link StartException} says why (never with the key or a join token in it).
     */
    public static SwarmWorkers start(String prefix, int count, URI joinUrl, String functionKey) {
        if (!NAME.matcher(prefix).matches()) {
            throw new IllegalArgumentException("prefix '" + prefix + "' must be lowercase letters, digits and '-'");
        }
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1");
        }
        String managerHost = LocalServices.dockerHost();
        Path script = script();
        sweepLeftovers(script, managerHost);
        Thread hook = new Thread(() -> cleanUp(script, prefix, managerHost, List.of()), "swarm-workers-" + prefix);
        Runtime.getRuntime().addShutdownHook(hook);
        long t0 = System.nanoTime();
        Path keyFile = null;
        List<Node> nodes = new ArrayList<>();
        try {
            keyFile = Files.createTempFile("hm-function-key", "",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(keyFile, functionKey + "\n");
            List<Launch> launches = new ArrayList<>();
            for (int i = 1; i <= count; i++) {
                String name = prefix + "-" + i;
                launches.add(Launch.of(script, managerHost, name, "start", name, joinUrl.toString(), keyFile.toString()));
            }
            List<String> failures = new ArrayList<>();
            for (Launch launch : launches) {
                Result result = launch.await(START_TIMEOUT);
                if (result.exitCode() == 0) {
                    nodes.add(parseNode(result.stdout()));
                } else {
                    failures.add(launch.name() + ": " + result.describe());
                }
            }
            if (!failures.isEmpty()) {
                throw new StartException(redact("could not start " + count + " swarm worker(s) joining through "
                        + joinUrl + ":\n" + String.join("\n", failures), functionKey));
            }
            DockerCli manager = DockerCli.forHost(managerHost);
            for (Node node : nodes) {
                manager.run("node", "update", "--label-add", LABEL_KEY + "=" + prefix, node.nodeId());
            }
        } catch (IOException e) {
            cleanUpAfterFailedStart(script, prefix, managerHost, nodes, hook);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            cleanUpAfterFailedStart(script, prefix, managerHost, nodes, hook);
            throw e;
        } finally {
            deleteQuietly(keyFile);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info(() -> "started " + count + " swarm worker(s) " + prefix + "-1.." + count + " in " + took.toMillis() + " ms");
        return new SwarmWorkers(prefix, managerHost, nodes, took, hook);
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
     * SIGKILLs the node's dockerd, as a power cut would: every process of the node dies with it, nothing leaves
     * the swarm, and the manager marks the node down once its heartbeats stop. Namespace and folders stay until
     * {@link #close()}.
     */
    public void kill(Node node) {
        Result result = Launch.of(script(), managerHost, node.name(), "kill", node.name()).await(STOP_TIMEOUT);
        if (result.exitCode() != 0) {
            throw new AssertionError("could not kill " + node.name() + ": " + result.describe());
        }
    }

    /**
     * Starts {@code command} as a process of the node, as an agent's systemd unit runs on its VM
     * ({@code worker-nodes.sh exec}): in the node's network, UTS, mount and PID namespaces, with a clean
     * environment but for DOCKER_HOST, the node's own socket. Settings go in as {@code env VAR=value ...}, secrets
     * in a file. Its output, merged, goes to {@code log}. The process dies with the node at the latest;
     * {@link #stopInNode} ends it sooner.
     */
    public Process startInNode(Node node, Path log, String... command) {
        List<String> args = new ArrayList<>(List.of("bash", script().toString(), "exec", node.name(), "--"));
        args.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(args)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("DOCKER_HOST");
        builder.environment().remove("DOCKER_CONTEXT");
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + script(), e);
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
     * Stops every node and removes it from the manager's node list. Throws if something could not be cleaned up,
     * so a leak fails the test instead of surprising the next one.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> problems = cleanUp(script(), prefix, managerHost, nodeIds());
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
     * Stops every node named {@code prefix-*} that anything (a scale set under test, say) started, and removes the
     * nodes of that prefix from the manager's node list; throws if something could not be cleaned up.
     */
    public static void stopAndRemoveAll(String prefix) {
        if (!NAME.matcher(prefix).matches()) {
            throw new IllegalArgumentException("prefix '" + prefix + "' must be lowercase letters, digits and '-'");
        }
        List<String> problems = cleanUp(script(), prefix, LocalServices.dockerHost(), List.of());
        if (!problems.isEmpty()) {
            throw new AssertionError("cleaning up swarm workers " + prefix + " failed:\n" + String.join("\n", problems));
        }
    }

    private static void cleanUpAfterFailedStart(Path script, String prefix, String managerHost, List<Node> nodes, Thread hook) {
        List<String> problems = cleanUp(script, prefix, managerHost, nodes.stream().map(Node::nodeId).toList());
        problems.forEach(problem -> LOG.warning("after a failed start of " + prefix + ": " + problem));
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook repeats the same clean-up
        }
    }

    /**
     * Stops every node named {@code prefix-*} at once, as deleted VMs (first: a stopped node cannot come back), then removes from the
     * manager the nodes with these ids or a hostname of this prefix: the prefix is unique, so no other test's
     * node is touched. Returns what went wrong.
     */
    private static List<String> cleanUp(Path script, String prefix, String managerHost, List<String> nodeIds) {
        List<String> problems = new ArrayList<>();
        // --kill: these nodes are leftovers, and a dockerd's graceful shutdown costs seconds for nothing.
        Result stopped = Launch.of(script, managerHost, prefix, "stop-all", "--kill", prefix + "-").await(STOP_TIMEOUT);
        if (stopped.exitCode() != 0) {
            problems.add("worker-nodes.sh stop-all --kill " + prefix + "- failed: " + stopped.describe());
        }
        List<String> toRemove = new ArrayList<>(nodeIds);
        Result listed = Launch.docker(managerHost, "node", "ls", "--format", "{{.ID}} {{.Hostname}}").await(STOP_TIMEOUT);
        if (listed.exitCode() != 0) {
            problems.add("docker node ls on the manager failed: " + listed.describe());
        } else {
            listed.stdout().lines().map(line -> line.split(" ", 2))
                    .filter(fields -> fields.length == 2 && fields[1].startsWith(prefix + "-"))
                    .map(fields -> fields[0])
                    .filter(id -> !toRemove.contains(id))
                    .forEach(toRemove::add);
        }
        for (String id : toRemove) {
            Result removed = Launch.docker(managerHost, "node", "rm", "--force", id).await(STOP_TIMEOUT);
            if (removed.exitCode() != 0 && !removed.stderr().contains("not found")) {
                problems.add("docker node rm --force " + id + " failed: " + removed.describe());
            }
        }
        return problems;
    }

    /** Marks every node this JVM starts, so that a later JVM can tell its leftovers from live nodes. */
    private static String owner() {
        ProcessHandle self = ProcessHandle.current();
        return "jvm " + self.pid() + " " + self.info().startInstant().map(Object::toString).orElse("?");
    }

    private static boolean ownerAlive(String owner) {
        String[] fields = owner.strip().split(" ");
        if (fields.length != 3 || !fields[0].equals("jvm")) {
            return true; // not ours to judge
        }
        try {
            long pid = Long.parseLong(fields[1]);
            return ProcessHandle.of(pid)
                    .filter(process -> process.info().startInstant().map(Object::toString).orElse("?").equals(fields[2]))
                    .isPresent() && !zombie(pid);
        } catch (NumberFormatException e) {
            return true;
        }
    }

    /** A JVM killed outright stays a zombie until its parent reaps it, which PID 1 here does only now and then. */
    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String afterName = stat.substring(stat.lastIndexOf(')') + 1).strip();
            return afterName.startsWith("Z") || afterName.startsWith("X");
        } catch (IOException | RuntimeException gone) {
            return true;
        }
    }

    /**
     * A JVM killed outright (a surefire timeout, kill -9) runs neither close() nor its shutdown hook. Its nodes
     * are stopped and removed here, by the next fixture that starts in this checkout; nodes of live JVMs, and
     * nodes started by anything else, are left alone.
     */
    private static void sweepLeftovers(Path script, String managerHost) {
        Path dir = nodesDirectory();
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> folders;
        try (var list = Files.list(dir)) {
            folders = list.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            LOG.warning("cannot list " + dir + ": " + e.getMessage());
            return;
        }
        for (Path folder : folders) {
            Path ownerFile = folder.resolve("owner");
            String owner;
            String nodeId;
            try {
                if (!Files.isRegularFile(ownerFile)) {
                    continue;
                }
                owner = Files.readString(ownerFile);
                nodeId = Files.isRegularFile(folder.resolve("node_id")) ? Files.readString(folder.resolve("node_id")).strip() : "";
            } catch (IOException e) {
                continue; // stopped meanwhile
            }
            if (ownerAlive(owner)) {
                continue;
            }
            String name = folder.getFileName().toString();
            LOG.warning("stopping leftover swarm worker " + name + " of a JVM that is gone (" + owner.strip() + ")");
            Result stopped = Launch.of(script, managerHost, name, "stop", "--kill", name).await(STOP_TIMEOUT);
            if (stopped.exitCode() != 0) {
                LOG.warning("could not stop leftover " + name + ": " + stopped.describe());
            }
            if (nodeId.matches("[a-z0-9]{25}")) {
                Launch.docker(managerHost, "node", "rm", "--force", nodeId).await(STOP_TIMEOUT);
            }
        }
    }

    /** scripts/lib/worker-nodes.sh of this checkout, found from the working directory upwards. */
    public static Path script() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path script = dir.resolve("scripts/lib/worker-nodes.sh");
            if (Files.isRegularFile(script) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return script;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no scripts/lib/worker-nodes.sh above " + Path.of("").toAbsolutePath());
    }

    /** Where worker-nodes.sh keeps one folder per node: $HM_NODES_DIR, else .dev/nodes of this checkout. */
    public static Path nodesDirectory() {
        String configured = System.getenv("HM_NODES_DIR");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return script().getParent().getParent().getParent().resolve(".dev").resolve("nodes");
    }

    private static Node parseNode(String output) {
        Map<String, String> fields = new LinkedHashMap<>();
        output.lines().filter(line -> line.contains("=")).forEach(line -> {
            int eq = line.indexOf('=');
            fields.put(line.substring(0, eq), line.substring(eq + 1));
        });
        for (String key : List.of("name", "node_id", "ip", "docker_host", "pid", "state_dir", "netns", "veth")) {
            if (fields.getOrDefault(key, "").isEmpty()) {
                throw new IllegalStateException("worker-nodes.sh start printed no " + key + ":\n" + output);
            }
        }
        return new Node(fields.get("name"), fields.get("node_id"), fields.get("ip"), fields.get("docker_host"),
                Long.parseLong(fields.get("pid")), Path.of(fields.get("state_dir")), fields.get("netns"), fields.get("veth"));
    }

    /** Neither the function key nor any swarm join token may reach an exception message or a log. */
    static String redact(String text, String functionKey) {
        String redacted = SWARM_TOKEN.matcher(text).replaceAll("SWMTKN-<redacted>");
        return functionKey == null || functionKey.isEmpty() ? redacted : redacted.replace(functionKey, "<function key>");
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warning("could not delete " + file + ": " + e.getMessage());
            }
        }
    }

    record Result(int exitCode, String stdout, String stderr) {
        String describe() {
            String detail = stderr.isBlank() ? stdout : stderr;
            return "exit " + exitCode + (detail.isBlank() ? "" : ":\n" + SWARM_TOKEN.matcher(detail.strip()).replaceAll("SWMTKN-<redacted>"));
        }
    }

    /**
     * One child process whose output goes to files, not pipes: a daemon it leaves behind could otherwise hold a
     * pipe open, and reading it would never end.
     */
    private record Launch(String name, Process process, Path out, Path err) {
        static Launch of(Path script, String managerHost, String name, String... args) {
            List<String> command = new ArrayList<>(List.of("bash", script.toString()));
            command.addAll(List.of(args));
            return start(name, command, Map.of("HM_NODES_MANAGER", managerHost, "HM_NODE_OWNER", owner()));
        }

        static Launch docker(String host, String... args) {
            List<String> command = new ArrayList<>(List.of("docker", "-H", host));
            command.addAll(List.of(args));
            return start("docker", command, Map.of());
        }

        private static Launch start(String name, List<String> command, Map<String, String> env) {
            try {
                Path out = Files.createTempFile("hm-workers-", ".out");
                Path err = Files.createTempFile("hm-workers-", ".err");
                ProcessBuilder builder = new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .redirectOutput(out.toFile()).redirectError(err.toFile());
                builder.environment().remove("DOCKER_HOST");
                builder.environment().remove("DOCKER_CONTEXT");
                builder.environment().putAll(env);
                return new Launch(name, builder.start(), out, err);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run " + command.get(0), e);
            }
        }

        Result await(Duration timeout) {
            try {
                boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!finished) {
                    // SIGTERM first: the script's exit trap removes what it had created.
                    process.destroy();
                    if (!process.waitFor(30, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                }
                String stdout = Files.readString(out, StandardCharsets.UTF_8);
                String stderr = Files.readString(err, StandardCharsets.UTF_8);
                if (!finished) {
                    return new Result(-1, stdout, "did not finish within " + timeout.toSeconds() + " s\n" + stderr);
                }
                return new Result(process.exitValue(), stdout, stderr);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroy();
                return new Result(-1, "", "interrupted");
            } finally {
                deleteQuietly(out);
                deleteQuietly(err);
            }
        }
    }
}
