package io.harbormaster.testsupport;

import io.harbormaster.emulator.nodes.DockerdMachines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/** Removing {@link SwarmWorkers} nodes: their machines, and their entries in the manager's node list. */
final class WorkerCleanup {
    /** Each node's folder names the JVM that started it, so that a later JVM can tell its leftovers. */
    static final String OWNER_FILE = "owner";

    private static final Logger LOG = Logger.getLogger(WorkerCleanup.class.getName());
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern SWARM_TOKEN = Pattern.compile("SWMTKN-[A-Za-z0-9-]+");

    private WorkerCleanup() {
    }

    /**
     * Destroys every machine named {@code prefix-*} at once, as deleted VMs (first: a destroyed node cannot come
     * back), then removes from the manager the nodes with these ids or a hostname of this prefix: the prefix is
     * unique, so no other test's node is touched. Returns what went wrong.
     */
    static List<String> cleanUp(DockerdMachines machines, String prefix, String managerHost, List<String> nodeIds) {
        List<String> problems = new ArrayList<>(destroyAll(machines, names(name -> name.startsWith(prefix + "-"))));
        problems.addAll(removeFromSwarm(managerHost, hostname -> hostname.startsWith(prefix + "-"), nodeIds));
        return problems;
    }

    private static List<String> destroyAll(DockerdMachines machines, List<String> names) {
        List<String> problems = new ArrayList<>();
        if (names.isEmpty()) {
            return problems;
        }
        ExecutorService pool = Executors.newFixedThreadPool(names.size());
        try {
            List<Future<?>> destroyed = new ArrayList<>();
            names.forEach(name -> destroyed.add(pool.submit(() -> machines.destroy(name))));
            for (int i = 0; i < names.size(); i++) {
                try {
                    destroyed.get(i).get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    problems.add("destroying " + names.get(i) + " failed: " + e.getCause());
                } catch (TimeoutException e) {
                    problems.add("destroying " + names.get(i) + " took over " + STOP_TIMEOUT.toSeconds() + " s");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    problems.add("interrupted while destroying " + names.get(i));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return problems;
    }

    /** Removes from the swarm the nodes whose hostname {@code hostname} picks, and these ids; returns what failed. */
    static List<String> removeFromSwarm(String managerHost, Predicate<String> hostname,
                                                List<String> nodeIds) {
        List<String> problems = new ArrayList<>();
        List<String> toRemove = new ArrayList<>(nodeIds);
        Result listed = docker(managerHost, "node", "ls", "--format", "{{.ID}} {{.Hostname}}");
        if (listed.exitCode() != 0) {
            problems.add("docker node ls on the manager failed: " + listed.describe());
        } else {
            listed.output().lines().map(line -> line.split(" ", 2))
                    .filter(fields -> fields.length == 2 && hostname.test(fields[1]))
                    .map(fields -> fields[0])
                    .filter(id -> !toRemove.contains(id))
                    .forEach(toRemove::add);
        }
        for (String id : toRemove) {
            Result removed = docker(managerHost, "node", "rm", "--force", id);
            if (removed.exitCode() != 0 && !removed.output().contains("not found")) {
                problems.add("docker node rm --force " + id + " failed: " + removed.describe());
            }
        }
        return problems;
    }

    /** The machines' folder names that {@code wanted} picks. */
    private static List<String> names(Predicate<String> wanted) {
        Path dir = SwarmWorkers.nodesDirectory();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var list = Files.list(dir)) {
            return list.filter(Files::isDirectory).map(path -> path.getFileName().toString()).filter(wanted).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** Marks every node this JVM starts, so that a later JVM can tell its leftovers from live nodes. */
    static String owner() {
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
     * are destroyed and removed here, by the next fixture that starts in this checkout; nodes of live JVMs are left
     * alone.
     */
    static void sweepLeftovers(String managerHost) {
        List<String> dead = names(name -> {
            Path ownerFile = SwarmWorkers.nodesDirectory().resolve(name).resolve(OWNER_FILE);
            return Files.isRegularFile(ownerFile) && !ownerAlive(readQuietly(ownerFile));
        });
        if (dead.isEmpty()) {
            return;
        }
        LOG.warning("destroying leftover swarm workers of JVMs that are gone: " + dead);
        DockerdMachines machines = SwarmWorkers.machines();
        List<String> problems = new ArrayList<>(destroyAll(machines, dead));
        problems.addAll(removeFromSwarm(managerHost, dead::contains, List.of()));
        problems.forEach(problem -> LOG.warning("leftover swarm workers: " + problem));
    }

    private record Result(int exitCode, String output) {
        String describe() {
            return "exit " + exitCode + (output.isBlank() ? "" : ":\n" + SWARM_TOKEN.matcher(output.strip()).replaceAll("SWMTKN-<redacted>"));
        }
    }

    /** The docker CLI against {@code host}, its output in a file: a daemon it started could hold a pipe open. */
    private static Result docker(String host, String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "-H", host));
        command.addAll(List.of(args));
        Path out = null;
        try {
            out = Files.createTempFile("hm-workers-", ".out");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).redirectOutput(out.toFile());
            builder.environment().remove("DOCKER_HOST");
            builder.environment().remove("DOCKER_CONTEXT");
            Process process = builder.start();
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, "did not finish within " + STOP_TIMEOUT.toSeconds() + " s");
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the docker CLI", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        } finally {
            deleteQuietly(out);
        }
    }

    static String readQuietly(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warning("could not delete " + file + ": " + e.getMessage());
            }
        }
    }
}
