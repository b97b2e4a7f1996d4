package io.harbormaster.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A replicated swarm service of the local busybox image whose tasks exit at once on SIGTERM, so that stopping a
 * task takes no grace period and a drain's worth shows in timings (shared/notes/local-swarm.md). Created through
 * the manager's docker CLI; {@link #close()} removes it.
 */
public final class TestService implements AutoCloseable {
    public static final String IMAGE = "harbormaster/busybox:local";
    /** PID 1 of each task: waits for a child sleep, and exits 0 as soon as SIGTERM arrives. */
    public static final String SIGTERM_AWARE_SCRIPT = "trap \"exit 0\" TERM; sleep 1000000 & wait";

    /** One task of the service, as the manager sees it. */
    public record Task(String id, int slot, String nodeId, String nodeHostname, String state, String desiredState,
                       String containerId) {
        public boolean running() {
            return "running".equals(state) && "running".equals(desiredState);
        }
    }

    private final DockerCli manager;
    private final String name;

    private TestService(DockerCli manager, String name) {
        this.manager = manager;
        this.name = name;
    }

    /**
     * Creates {@code replicas} SIGTERM-aware tasks on the nodes of these workers only (their label, and worker
     * role), named {@code <prefix>-<suffix>}. Returns at once; see {@link #awaitRunning}.
     */
    public static TestService onWorkers(SwarmWorkers workers, String suffix, int replicas, String... extraOptions) {
        List<String> options = new ArrayList<>(List.of(
                "--constraint", workers.constraint(), "--constraint", "node.role==worker"));
        options.addAll(Arrays.asList(extraOptions));
        return create(DockerCli.forLocalManager(), workers.prefix() + "-" + suffix, replicas, options.toArray(String[]::new));
    }

    /** Creates the service with any further {@code docker service create} options (constraints, update policy). */
    public static TestService create(DockerCli manager, String name, int replicas, String... options) {
        List<String> args = new ArrayList<>(List.of("service", "create", "--detach", "--quiet",
                "--name", name, "--replicas", Integer.toString(replicas),
                // Workers cannot reach a registry; the image is already on every node.
                "--no-resolve-image"));
        args.addAll(Arrays.asList(options));
        args.addAll(List.of(IMAGE, "sh", "-c", SIGTERM_AWARE_SCRIPT));
        manager.run(args.toArray(String[]::new));
        return new TestService(manager, name);
    }

    public String name() {
        return name;
    }

    /** Every task the manager still lists for this service, current and past, with its node's hostname. */
    public List<Task> tasks() {
        // The manager prunes old tasks on its own; one listed by `service ps` may be gone when inspected.
        for (int attempt = 1; ; attempt++) {
            try {
                return readTasks();
            } catch (AssertionError raced) {
                if (attempt == 3) {
                    throw raced;
                }
            }
        }
    }

    private List<Task> readTasks() {
        String ids = manager.run("service", "ps", "--quiet", "--no-trunc", name);
        if (ids.isBlank()) {
            return List.of();
        }
        Map<String, String> hostnames = new LinkedHashMap<>();
        manager.run("node", "ls", "--format", "{{.ID}} {{.Hostname}}").lines()
                .map(line -> line.split(" ", 2)).filter(fields -> fields.length == 2)
                .forEach(fields -> hostnames.put(fields[0], fields[1]));
        List<String> args = new ArrayList<>(List.of("inspect", "--type", "task", "--format",
                "{{.ID}} {{.Slot}} {{if .NodeID}}{{.NodeID}}{{else}}-{{end}} {{.Status.State}} {{.DesiredState}} "
                        + "{{if .Status.ContainerStatus}}{{.Status.ContainerStatus.ContainerID}}{{end}}"));
        args.addAll(ids.lines().toList());
        List<Task> tasks = new ArrayList<>();
        for (String line : manager.run(args.toArray(String[]::new)).lines().toList()) {
            String[] f = line.trim().split(" ");
            String nodeId = f[2].equals("-") ? "" : f[2];
            tasks.add(new Task(f[0], Integer.parseInt(f[1]), nodeId, hostnames.getOrDefault(nodeId, ""), f[3], f[4],
                    f.length > 5 ? f[5] : ""));
        }
        return tasks;
    }

    public List<Task> runningTasks() {
        return tasks().stream().filter(Task::running).toList();
    }

    /** Hostname to the number of running tasks there, sorted by hostname. */
    public Map<String, Long> runningTasksPerNode() {
        return runningTasks().stream().collect(Collectors.groupingBy(Task::nodeHostname, TreeMap::new, Collectors.counting()));
    }

    /** Whether {@code replicas} running tasks are spread over exactly {@code nodes} nodes within one task per node. */
    public static boolean even(Map<String, Long> runningPerNode, int nodes, int replicas) {
        long most = runningPerNode.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long fewest = runningPerNode.values().stream().mapToLong(Long::longValue).min().orElse(0);
        return runningPerNode.size() == nodes && most - fewest <= 1
                && runningPerNode.values().stream().mapToLong(Long::longValue).sum() == replicas;
    }

    /** Waits until exactly {@code replicas} tasks run; fails with the task list if they do not in time. */
    public List<Task> awaitRunning(int replicas, Duration timeout) throws InterruptedException {
        return await("" + replicas + " running tasks", tasks -> tasks.stream().filter(Task::running).count() == replicas, timeout);
    }

    /** Waits until the task list satisfies {@code condition}; fails with the task list if it does not in time. */
    public List<Task> await(String what, Predicate<List<Task>> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Task> tasks = tasks();
        while (!condition.test(tasks)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("service " + name + " did not reach " + what + " within " + timeout + "; tasks:\n"
                        + tasks.stream().map(Task::toString).collect(Collectors.joining("\n")));
            }
            Thread.sleep(200);
            tasks = tasks();
        }
        return tasks;
    }

    @Override
    public void close() {
        manager.run("service", "rm", name);
    }
}
