package io.harbormaster.testsupport;

import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A throw-away dockerd that is not part of any swarm, started like scripts/lib/services.sh starts the manager but
 * without {@code swarm init}, isolated in its own PID, mount, UTS and network namespaces, with its folders in a
 * temporary directory that {@link #close()} removes.
 */
public final class ScratchDockerd implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    // sun_path in struct sockaddr_un is 108 bytes including the terminating NUL.
    private static final int SOCKET_PATH_MAX = 107;

    private final Path directory;
    private final Path socket;
    private final Path log;
    private final Process unshare;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook = new Thread(this::stopQuietly, "scratch-dockerd-stop");
    private ProcessHandle dockerd;

    private ScratchDockerd(Path directory, Path socket, Path log, Process unshare) {
        this.directory = directory;
        this.socket = socket;
        this.log = log;
        this.unshare = unshare;
    }

    /**
     * Starts it under {@code hostname} and returns once its API answers {@code /_ping}; on any failure everything
     * started so far is stopped and removed again. Needs root, unshare, bash and dockerd (see {@link LocalServices}).
     */
    public static ScratchDockerd start(String hostname) throws IOException, InterruptedException {
        Path nodeInit = Path.of(System.getProperty("user.dir"), "scripts", "lib", "node-init.sh");
        LocalServices.require(isRoot(), "a scratch dockerd needs root (namespaces, mounts, dockerd)");
        for (String tool : List.of("unshare", "bash", "dockerd")) {
            LocalServices.require(onPath(tool), "'" + tool + "' is not on PATH; scripts/test.sh installs it");
        }
        LocalServices.require(Files.isRegularFile(nodeInit), nodeInit + " is missing: run the tests from the checkout");

        Path directory = Files.createTempDirectory(shortTempRoot(), "hm-dockerd-");
        Path socket = directory.resolve("docker.sock");
        Path log = directory.resolve("dockerd.log");
        Path etcDocker = Files.createDirectories(directory.resolve("etc-docker"));
        Files.createDirectories(directory.resolve("data"));
        // node-init.sh bind-mounts etc-docker over /etc/docker; the mount point must exist, as services.sh ensures.
        Files.createDirectories(Path.of("/etc/docker"));

        // --net on top of what the manager gets: this daemon needs no network (its API is a unix socket, which
        // namespaces do not hide), so whatever it might do to interfaces, routes or iptables stays in there.
        // The exec-root and pidfile go into the namespace's private /run, which vanishes with it.
        ProcessBuilder builder = new ProcessBuilder(List.of(
                "unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--mount", "--uts",
                "bash", nodeInit.toString(), hostname, etcDocker.toString(),
                "--data-root", directory.resolve("data").toString(),
                "--exec-root", "/run/docker",
                "--pidfile", "/run/docker.pid",
                "-H", "unix://" + socket,
                "--bridge=none", "--iptables=false", "--ip-forward=false"));
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.redirectErrorStream(true);
        builder.redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("DOCKER_"));

        ScratchDockerd scratch;
        try {
            scratch = new ScratchDockerd(directory, socket, log, builder.start());
        } catch (IOException | RuntimeException e) {
            deleteTree(directory);
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(scratch.shutdownHook);
        try {
            scratch.awaitReady();
            return scratch;
        } catch (Throwable e) {
            try {
                scratch.close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Docker endpoint of this daemon: {@code unix:///tmp/hm-dockerd-.../docker.sock}. */
    public String host() {
        return "unix://" + socket;
    }

    /** The temporary directory holding its data-root, /etc/docker, socket and log; gone after {@link #close()}. */
    public Path directory() {
        return directory;
    }

    /** Host pid of the dockerd, PID 1 of its namespaces. */
    public long pid() {
        return dockerd.pid();
    }

    /** The last lines dockerd printed, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
        } catch (IOException e) {
            return "(no dockerd log: " + e.getMessage() + ")";
        }
    }

    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!unshare.isAlive()) {
                throw new AssertionError("scratch dockerd exited with " + unshare.exitValue() + ":\n" + logTail());
            }
            if (dockerd == null) {
                // unshare --fork has one child, node-init.sh, which execs dockerd under the same pid.
                dockerd = unshare.children().findFirst().orElse(null);
            }
            if (dockerd != null && answersPing(socket)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("scratch dockerd did not answer on " + socket + " within " + START_TIMEOUT + ":\n"
                + logTail());
    }

    /** Stops dockerd (SIGTERM, then SIGKILL), which ends everything in its namespaces, and removes its folders. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is what is running this
        }
        List<String> problems = new ArrayList<>();
        try {
            stop(problems);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // An interrupted test must not leave the daemon behind: no more waiting, just SIGKILL.
            unshare.destroyForcibly();
            Optional.ofNullable(dockerd).ifPresent(ProcessHandle::destroyForcibly);
            problems.add("interrupted while stopping; sent SIGKILL");
        }
        try {
            deleteTree(directory);
        } catch (IOException e) {
            problems.add("could not remove " + directory + ": " + e);
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("scratch dockerd clean-up: " + String.join("; ", problems));
        }
    }

    private void stop(List<String> problems) throws InterruptedException {
        ProcessHandle daemon = dockerd != null ? dockerd : unshare.children().findFirst().orElse(null);
        if (daemon != null && daemon.isAlive()) {
            daemon.destroy();
            if (!waitFor(daemon, STOP_GRACE)) {
                daemon.destroyForcibly();
                if (!waitFor(daemon, Duration.ofSeconds(10))) {
                    problems.add("dockerd pid " + daemon.pid() + " survived SIGKILL");
                }
            }
        }
        // With its child gone unshare exits; if it never had one (failed start) it is killed, and --kill-child
        // takes anything it did start with it.
        if (!unshare.waitFor(10, TimeUnit.SECONDS)) {
            unshare.destroyForcibly();
            if (!unshare.waitFor(10, TimeUnit.SECONDS)) {
                problems.add("unshare pid " + unshare.pid() + " survived SIGKILL");
            }
        }
    }

    private void stopQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            System.err.println(e.getMessage());
        }
    }

    private static boolean waitFor(ProcessHandle process, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (process.isAlive()) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    /** GET /_ping over the unix socket, bounded in time: an accepting but silent daemon must not hang the test. */
    private static boolean answersPing(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            ByteBuffer answer = ByteBuffer.allocate(512);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (answer.hasRemaining()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || selector.select(left) == 0) {
                    break;
                }
                selector.selectedKeys().clear();
                if (channel.read(answer) < 0) {
                    break;
                }
            }
            String text = new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII);
            return text.matches("(?s)HTTP/1\\.[01] 200 .*\r\n\r\nOK.*");
        } catch (IOException notYet) {
            return false;
        }
    }

    private static Path shortTempRoot() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        // "/hm-dockerd-<19 digits>/docker.sock" adds 43 bytes; a deep java.io.tmpdir would overflow sun_path.
        return tmp.toString().length() + 43 <= SOCKET_PATH_MAX ? tmp : Path.of("/tmp");
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("Uid:"))
                    .anyMatch(line -> line.split("\\s+")[2].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean onPath(String tool) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String folder : path.split(File.pathSeparator)) {
            if (!folder.isEmpty() && Files.isExecutable(Path.of(folder, tool))) {
                return true;
            }
        }
        return false;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
