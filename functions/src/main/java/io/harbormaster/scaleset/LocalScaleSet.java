package io.harbormaster.scaleset;

import io.harbormaster.scaleset.ScaleSetInstance.PowerState;
import io.harbormaster.scaleset.ScaleSetModel.OrchestrationMode;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@link ScaleSet} port backed by dockerd nodes on this machine (worker-nodes.sh), named {@code <prefix>-<instance id>}. */
public final class LocalScaleSet implements ScaleSet {
    private static final Logger LOG = Logger.getLogger(LocalScaleSet.class.getName());
    /** Written into a node's state folder, which its stop removes: protection ends with the instance, as in Azure. */
    static final String PROTECTION_MARKER = "protected-from-scale-in";
    // Like ArmCallPolicy's operation timeout: a scale-out gives up well within a function's five minutes. The
    // script's own timeouts (dockerd 30 s, join 90 s, Ready 30 s) fit inside it.
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration LIST_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);
    // A script stuck in a foreground child only runs its TERM trap once that child ends.
    private static final Duration TERM_GRACE = Duration.ofSeconds(30);
    private static final Pattern INSTANCE_ID = Pattern.compile("\\d{1,9}");
    private static final Pattern SWARM_TOKEN = Pattern.compile("SWMTKN-[A-Za-z0-9-]+");
    // One lock per state file for every instance in this JVM: FileLock alone refuses a second holder in one JVM.
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path script;
    private final Path nodesDirectory;
    private final URI joinUrl;
    private final Path keyFile;
    private final String prefix;
    private final String size;
    private final int maxCapacity;
    private final Pattern nodeName;
    private final Path stateFile;
    private final Path lockFile;
    private final AtomicInteger startsUnderWay = new AtomicInteger();

    /**
     * @param script scripts/lib/worker-nodes.sh
     * @param nodesDirectory the script's state folder (passed to it as HM_NODES_DIR)
     * @param joinUrl the join function's base URL as nodes see it
     * @param keyFile the function key on its first line; only its path is ever handed on
     * @param prefix instances are nodes named {@code <prefix>-<instance id>}
     * @param size the SKU-like label {@link #describe()} reports
     * @param maxCapacity the most instances a capacity write may ask for
     */
    public LocalScaleSet(Path script, Path nodesDirectory, URI joinUrl, Path keyFile, String prefix, String size,
            int maxCapacity) {
        this.script = Objects.requireNonNull(script, "script");
        this.nodesDirectory = Objects.requireNonNull(nodesDirectory, "nodesDirectory");
        this.joinUrl = Objects.requireNonNull(joinUrl, "joinUrl");
        this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.size = Objects.requireNonNull(size, "size");
        this.maxCapacity = maxCapacity;
        this.nodeName = Pattern.compile(Pattern.quote(prefix) + "-(" + INSTANCE_ID.pattern() + ")");
        // Files, not folders: the script's listings and stop-all only ever look at folders.
        this.stateFile = nodesDirectory.resolve(prefix + ".scale-set");
        this.lockFile = nodesDirectory.resolve(prefix + ".scale-set.lock");
    }

    @Override
    public ScaleSetModel describe() {
        State state = readState(this::nodes);
        return new ScaleSetModel("local:" + nodesDirectory.resolve(prefix), prefix, state.capacity(), size,
                OrchestrationMode.UNIFORM, startsUnderWay.get() > 0 ? "Updating" : "Succeeded", state.etag());
    }

    @Override
    public List<ScaleSetInstance> instances() {
        Instant now = Instant.now();
        return nodes().stream().map(node -> instance(node, now)).toList();
    }

    /**
     * Starts the nodes that the new capacity lacks, in parallel, and returns once each is a Ready swarm worker.
     * Instance ids are never reused, as in an Azure scale set, so a new node never takes the hostname of one that
     * may still be listed, down, in the swarm.
     *
     * @throws IllegalArgumentException when the capacity would go down: scale-in deletes named instances
     * @throws ScaleSetException with error code QuotaExceeded above the configured maximum, or (retryable) when a
     *     node did not start within three minutes; the capacity stays raised, and a write of the same capacity
     *     starts what is still missing
     */
    @Override
    public void setCapacity(long capacity, String expectedEtag) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must not be negative: " + capacity);
        }
        if (expectedEtag == null || expectedEtag.isBlank()) {
            throw new IllegalArgumentException("expectedEtag is required: a capacity write must not overwrite a change it has not seen");
        }
        if (capacity > maxCapacity) {
            throw new ScaleSetException("Failed to set capacity of local scale set " + prefix + " to " + capacity
                    + ": at most " + maxCapacity + " nodes are allowed on this machine", false, "QuotaExceeded", null);
        }
        List<String> names = locked(() -> {
            List<LocalNode> nodes = nodes();
            State state = readState(() -> nodes);
            if (!state.etag().equals(expectedEtag)) {
                throw new ScaleSetConflictException("Failed to set capacity of local scale set " + prefix + " to "
                        + capacity + ": the scale set changed since it was read (ETag " + state.etag() + ", not "
                        + expectedEtag + "); read it again", null);
            }
            if (capacity < state.capacity()) {
                throw new IllegalArgumentException("capacity " + capacity + " is below the current " + state.capacity()
                        + " of local scale set " + prefix + ": scale in by deleting named instances instead");
            }
            List<String> missing = new ArrayList<>();
            for (long number = state.nextNumber(); missing.size() < capacity - nodes.size(); number++) {
                missing.add(name(number));
            }
            writeState(state.next(capacity, state.nextNumber() + missing.size()));
            return missing;
        });
        if (!names.isEmpty()) {
            start(names);
        }
    }

    /**
     * Stops exactly these nodes (each goes down in the swarm, as a deleted VM's node would; removing it from the
     * swarm is the drain's or the capacity clean-up's job) and lowers the capacity by the number stopped.
     */
    @Override
    public void deleteInstances(Collection<String> instanceIds) {
        TreeSet<Long> numbers = numbers(instanceIds);
        if (numbers.isEmpty()) {
            return;
        }
        List<String> present = nodes().stream().filter(node -> numbers.contains(node.number())).map(LocalNode::name).toList();
        if (present.size() < numbers.size()) {
            LOG.info(() -> "Local scale set " + prefix + ": of instances " + numbers + " only " + present
                    + " exist; the rest are already gone");
        }
        Map<String, Launch> stops = new LinkedHashMap<>();
        present.forEach(name -> stops.put(name, launch("stop", name)));
        List<String> failures = new ArrayList<>();
        int stopped = 0;
        Instant deadline = Instant.now().plus(STOP_TIMEOUT);
        for (Map.Entry<String, Launch> stop : stops.entrySet()) {
            Result result = stop.getValue().await(deadline);
            if (result.succeeded()) {
                stopped++;
            } else {
                failures.add(stop.getKey() + ": " + result.reason());
            }
        }
        if (stopped > 0) {
            int count = stopped;
            locked(() -> {
                List<LocalNode> nodes = nodes();
                State state = readState(() -> nodes);
                // Without a state file the capacity is the node count, which has already gone down.
                long capacity = state.stored() ? Math.max(0, state.capacity() - count) : nodes.size();
                writeState(state.next(capacity, state.nextNumber()));
                return null;
            });
            LOG.info("Local scale set " + prefix + ": deleted " + count + " of instances " + numbers);
        }
        if (!failures.isEmpty()) {
            throw new ScaleSetException("Failed to delete instances of local scale set " + prefix + ": "
                    + String.join("; ", failures), true, null);
        }
    }

    @Override
    public void protectFromScaleIn(String instanceId, boolean protect) {
        long number = numbers(List.of(instanceId)).first();
        Path folder = nodesDirectory.resolve(name(number));
        Path marker = folder.resolve(PROTECTION_MARKER);
        try {
            if (!Files.isDirectory(folder)) {
                throw new NoSuchFileException(folder.toString());
            }
            if (protect) {
                Files.writeString(marker, Instant.now() + "\n");
            } else {
                Files.deleteIfExists(marker);
            }
        } catch (NoSuchFileException gone) {
            throw new ScaleSetException("Failed to " + (protect ? "protect" : "unprotect") + " instance " + number
                    + " of local scale set " + prefix + ": no such instance", false, "NotFound", null);
        } catch (IOException e) {
            throw new ScaleSetException("Failed to " + (protect ? "protect" : "unprotect") + " instance " + number
                    + " of local scale set " + prefix + ": " + e.getClass().getSimpleName(), true, e);
        }
    }

    private void start(List<String> names) {
        startsUnderWay.incrementAndGet();
        try {
            LOG.info("Local scale set " + prefix + ": starting " + names);
            Map<String, Launch> launches = new LinkedHashMap<>();
            names.forEach(name -> launches.put(name, launch("start", name, joinUrl.toString(), keyFile.toString())));
            Instant deadline = Instant.now().plus(START_TIMEOUT);
            List<String> failures = new ArrayList<>();
            for (Map.Entry<String, Launch> launch : launches.entrySet()) {
                Result result = launch.getValue().await(deadline);
                if (!result.succeeded()) {
                    failures.add(launch.getKey() + ": " + result.reason());
                    if (result.timedOut()) {
                        // The script's own clean-up may not have run; stop is idempotent.
                        launch("stop", launch.getKey()).await(Instant.now().plus(STOP_TIMEOUT));
                    }
                }
            }
            if (!failures.isEmpty()) {
                throw new ScaleSetException("Failed to start nodes of local scale set " + prefix + ": "
                        + String.join("; ", failures), true, null);
            }
        } finally {
            startsUnderWay.decrementAndGet();
        }
    }

    private ScaleSetInstance instance(LocalNode node, Instant now) {
        Path folder = nodesDirectory.resolve(node.name());
        // The ip file is written once, early in the start; the folder's own mtime moves with every file added.
        Instant createdAt = modified(folder.resolve("ip"));
        if (createdAt == null) {
            createdAt = modified(folder);
        }
        String provisioning;
        PowerState power;
        if (Files.exists(folder.resolve("node_id"))) {
            provisioning = "Succeeded";
            power = node.running() ? PowerState.RUNNING : PowerState.STOPPED;
        } else if (node.running() || createdAt == null || createdAt.isAfter(now.minus(START_TIMEOUT.plus(TERM_GRACE)))) {
            provisioning = "Creating";
            power = node.running() ? PowerState.RUNNING : PowerState.STARTING;
        } else {
            // A start that never joined and could not clean up after itself.
            provisioning = "Failed";
            power = PowerState.STOPPED;
        }
        return new ScaleSetInstance(Long.toString(node.number()), node.name(), power, provisioning, createdAt,
                Files.exists(folder.resolve(PROTECTION_MARKER)));
    }

    private static Instant modified(Path path) {
        try {
            return Files.getLastModifiedTime(path).toInstant();
        } catch (IOException gone) {
            return null;
        }
    }

    /** The script's nodes of this prefix, by instance id. */
    private List<LocalNode> nodes() {
        Result listed = launch("list", prefix + "-").await(Instant.now().plus(LIST_TIMEOUT));
        if (!listed.succeeded()) {
            throw new ScaleSetException("Failed to list nodes of local scale set " + prefix + ": " + listed.reason(), true, null);
        }
        List<LocalNode> nodes = new ArrayList<>();
        // NAME STATE PID IP DOCKER_HOST; empty fields leave double spaces, so only the first two are read.
        for (String line : listed.stdout().lines().toList()) {
            String[] fields = line.split(" ", -1);
            Matcher matcher = nodeName.matcher(fields[0]);
            if (fields.length >= 2 && matcher.matches()) {
                nodes.add(new LocalNode(Long.parseLong(matcher.group(1)), fields[0], "running".equals(fields[1])));
            }
        }
        nodes.sort(Comparator.comparingLong(LocalNode::number));
        return nodes;
    }

    private String name(long number) {
        return prefix + "-" + number;
    }

    private static TreeSet<Long> numbers(Collection<String> instanceIds) {
        TreeSet<Long> numbers = new TreeSet<>();
        for (String id : instanceIds) {
            if (id == null || !INSTANCE_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("not an instance id of a local scale set (a whole number): " + id);
            }
            numbers.add(Long.parseLong(id));
        }
        return numbers;
    }

    // ---------------------------------------------------------------------------------------------------------
    // The state file: capacity, the next instance id, and what its ETag is made of
    // ---------------------------------------------------------------------------------------------------------

    /**
     * @param id random per state file, so a deleted and recreated file never repeats an old ETag
     * @param stored false when there is no file yet: the capacity is then the node count
     */
    private record State(long capacity, long nextNumber, String id, long version, boolean stored) {
        String etag() {
            return "\"" + id + "-" + version + "\"";
        }

        State next(long newCapacity, long newNextNumber) {
            String fileId = id;
            if (!stored) {
                byte[] bytes = new byte[4];
                RANDOM.nextBytes(bytes);
                fileId = HexFormat.of().formatHex(bytes);
            }
            return new State(newCapacity, newNextNumber, fileId, version + 1, true);
        }
    }

    private State readState(Supplier<List<LocalNode>> nodes) {
        String text;
        try {
            text = Files.readString(stateFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException none) {
            List<LocalNode> current = nodes.get();
            long next = current.isEmpty() ? 1 : current.get(current.size() - 1).number() + 1;
            return new State(current.size(), next, "none", 0, false);
        } catch (IOException e) {
            throw new ScaleSetException("Failed to read " + stateFile + ": " + e.getClass().getSimpleName(), true, e);
        }
        Map<String, String> fields = new HashMap<>();
        text.lines().filter(line -> line.contains("=")).forEach(line -> {
            int eq = line.indexOf('=');
            fields.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        });
        try {
            State state = new State(Long.parseLong(fields.get("capacity")), Long.parseLong(fields.get("next")),
                    Objects.requireNonNull(fields.get("id")), Long.parseLong(fields.get("version")), true);
            if (state.capacity() >= 0 && state.nextNumber() >= 1 && state.id().matches("[0-9a-z]{1,32}")) {
                return state;
            }
        } catch (RuntimeException malformed) {
            // reported below
        }
        throw new ScaleSetException("Local scale set state " + stateFile + " is malformed: expected the lines capacity=N, "
                + "next=N, id=HEX and version=N; fix or delete it (the capacity is then the node count)", false, null);
    }

    private void writeState(State state) {
        String text = "capacity=" + state.capacity() + "\nnext=" + state.nextNumber() + "\nid=" + state.id()
                + "\nversion=" + state.version() + "\n";
        try {
            Files.createDirectories(nodesDirectory);
            Path temporary = Files.createTempFile(nodesDirectory, "." + prefix + ".scale-set", ".tmp");
            try {
                Files.writeString(temporary, text, StandardCharsets.UTF_8);
                try {
                    Files.move(temporary, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temporary, stateFile, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new ScaleSetException("Failed to write " + stateFile + ": " + e.getClass().getSimpleName(), true, e);
        }
    }

    /** Read-modify-write of the state file, serialised with every other adapter of this prefix on the machine. */
    private <T> T locked(Supplier<T> action) {
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(stateFile, path -> new ReentrantLock());
        try {
            if (!jvmLock.tryLock(LOCK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new ScaleSetException("Local scale set " + prefix + " is busy: its state has been locked for "
                        + LOCK_TIMEOUT.toSeconds() + " s", true, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScaleSetException("Interrupted while waiting for local scale set " + prefix, true, e);
        }
        try {
            Files.createDirectories(nodesDirectory);
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                long deadline = System.nanoTime() + LOCK_TIMEOUT.toNanos();
                FileLock lock = channel.tryLock();
                while (lock == null) {
                    if (System.nanoTime() > deadline) {
                        throw new ScaleSetException("Local scale set " + prefix + " is busy: " + lockFile + " has been locked for "
                                + LOCK_TIMEOUT.toSeconds() + " s by another process", true, null);
                    }
                    Thread.sleep(50);
                    lock = channel.tryLock();
                }
                try {
                    return action.get();
                } finally {
                    lock.release();
                }
            }
        } catch (IOException e) {
            throw new ScaleSetException("Failed to lock " + lockFile + ": " + e.getClass().getSimpleName(), true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScaleSetException("Interrupted while waiting for local scale set " + prefix, true, e);
        } finally {
            jvmLock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Running worker-nodes.sh
    // ---------------------------------------------------------------------------------------------------------

    private record LocalNode(long number, String name, boolean running) {
    }

    private Launch launch(String... args) {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        Path out = null;
        Path err = null;
        try {
            // Files, not pipes: a daemon the script leaves running could hold a pipe open forever.
            out = Files.createTempFile("hm-local-scale-set-", ".out");
            err = Files.createTempFile("hm-local-scale-set-", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            Map<String, String> env = builder.environment();
            // The script needs the manager's endpoint and its own HM_* variables, none of the app's secrets.
            env.keySet().removeIf(name -> (name.startsWith("HARBORMASTER_") && !name.equals("HARBORMASTER_DOCKER_HOSTS"))
                    || name.equals("AzureWebJobsStorage") || name.startsWith("DOCKER_"));
            env.put("HM_NODES_DIR", nodesDirectory.toString());
            return new Launch(String.join(" ", args), builder.start(), out, err);
        } catch (IOException e) {
            deleteQuietly(out);
            deleteQuietly(err);
            throw new ScaleSetException("Failed to run " + script + " " + args[0] + ": " + e.getMessage(), false, e);
        }
    }

    private record Result(int exitCode, boolean timedOut, String stdout, String reason) {
        boolean succeeded() {
            return exitCode == 0 && !timedOut;
        }
    }

    private final class Launch {
        private final String description;
        private final Process process;
        private final Path out;
        private final Path err;

        Launch(String description, Process process, Path out, Path err) {
            this.description = description;
            this.process = process;
            this.out = out;
            this.err = err;
        }

        Result await(Instant deadline) {
            try {
                long wait = Math.max(0, Duration.between(Instant.now(), deadline).toMillis());
                boolean finished = process.waitFor(wait, TimeUnit.MILLISECONDS);
                if (!finished) {
                    // SIGTERM first: the script's exit trap removes what a start had created.
                    process.destroy();
                    if (!process.waitFor(TERM_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                }
                String stdout = Files.readString(out, StandardCharsets.UTF_8);
                String stderr = Files.readString(err, StandardCharsets.UTF_8);
                if (!finished) {
                    return new Result(-1, true, stdout, "worker-nodes.sh " + description + " did not finish in time");
                }
                return new Result(process.exitValue(), false, stdout, reason(process.exitValue(), stderr));
            } catch (IOException e) {
                return new Result(-1, false, "", "could not read the output of worker-nodes.sh " + description
                        + ": " + e.getClass().getSimpleName());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroy();
                return new Result(-1, false, "", "interrupted");
            } finally {
                deleteQuietly(out);
                deleteQuietly(err);
            }
        }

        /** The script's own ERROR line, else its last line; with no token and no function key in it. */
        private String reason(int exitCode, String stderr) {
            List<String> lines = stderr.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
            String reason = lines.stream().filter(line -> line.contains("ERROR: ")).reduce((first, last) -> last)
                    .map(line -> line.substring(line.indexOf("ERROR: ") + "ERROR: ".length()))
                    .orElse(lines.isEmpty() ? "no reason given" : lines.get(lines.size() - 1));
            return "exit " + exitCode + ": " + redact(reason);
        }
    }

    private String redact(String text) {
        String redacted = SWARM_TOKEN.matcher(text).replaceAll("SWMTKN-<redacted>");
        try {
            String key = Files.readAllLines(keyFile, StandardCharsets.UTF_8).stream().findFirst().orElse("").strip();
            return key.isEmpty() ? redacted : redacted.replace(key, "<function key>");
        } catch (IOException | RuntimeException unreadable) {
            return redacted;
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temporary file in the temp folder
            }
        }
    }

    @Override
    public String toString() {
        return "LocalScaleSet[" + prefix + " in " + nodesDirectory + "]";
    }
}
