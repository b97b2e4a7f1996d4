package io.harbormaster.emulator.nodes;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A machine's dockerd: PID 1 of the node's own PID, mount and UTS namespaces inside its network namespace, so that
 * its death ends every process of the node (containerd, shims, tasks, units), as a power cut ends a VM.
 */
final class NodeDaemon {
    private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final MachinesSettings settings;

    NodeDaemon(MachinesSettings settings) {
        this.settings = settings;
    }

    /**
     * Starts the node's dockerd, after {@code startPre} (docker.service's ExecStartPre commands, run in the node by
     * node-init.sh; a failure leaves dockerd unstarted), and returns its host pid once it answers on its socket.
     */
    long start(MachineDisk disk, String hostname, String netns, List<SystemdUnit.Command> startPre) {
        List<String> command = new ArrayList<>(List.of("setsid", "nsenter", "--net=/run/netns/" + netns,
                "unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "--mount", "--uts",
                "bash", settings.scripts().resolve("node-init.sh").toString(), hostname, disk.etcDocker().toString(),
                "--data-root", disk.dataRoot().toString(), "--exec-root", "/run/docker", "--pidfile", "/run/docker.pid",
                "-H", disk.dockerHost(), "--bridge=none", "--iptables=false"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(disk.daemonLog().toFile()));
        Map<String, String> env = builder.environment();
        env.clear();
        env.putAll(Map.of("PATH", PATH, "HOME", "/root", "LANG", "C.UTF-8",
                // node-init.sh mounts the machine's own files (write_files) over the node's view of /.
                "HM_NODE_FILES", disk.rootfs().toString(),
                // One command a line, "-" first when its failure is ignored; no quotes or $ (SystemdUnit refuses them).
                "HM_NODE_START_PRE", startPre.stream()
                        .map(pre -> (pre.ignoreFailure() ? "-" : "") + String.join(" ", pre.argv()))
                        .collect(java.util.stream.Collectors.joining("\n"))));
        try {
            Files.deleteIfExists(disk.socket());
            Files.createDirectories(disk.socket().getParent());
            Files.writeString(disk.daemonLog(), "=== " + java.time.Instant.now() + " booting " + hostname + "\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process launcher;
        try {
            // setsid execs (the JVM's child is no group leader), nsenter execs unshare: this pid is unshare's.
            launcher = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the node's namespaces", e);
        }
        disk.writeText("launcher.pid", launcher.pid() + "\n");
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        Optional<ProcessHandle> dockerd = Optional.empty();
        while (dockerd.isEmpty()) {
            dockerd = launcher.children().findFirst();
            if (dockerd.isEmpty()) {
                failIf(!launcher.isAlive(), disk, "the node's namespaces did not start");
                failIf(System.nanoTime() > deadline, disk, "the node's namespaces did not start in time");
                NodeNetwork.pause(20);
            }
        }
        long pid = dockerd.get().pid();
        disk.writeText("pid", pid + "\n");
        while (!answers(disk.socket())) {
            failIf(!dockerd.get().isAlive(), disk, "the node's dockerd exited before it answered (pid " + pid + ")");
            failIf(System.nanoTime() > deadline, disk, "the node's dockerd did not answer within " + settings.startTimeout());
            NodeNetwork.pause(50);
        }
        failIf(running(disk).isEmpty(), disk, "pid " + pid + " is not the node's dockerd");
        return pid;
    }

    /** The node's dockerd while it runs: the pid on its disk, only while that pid is still this disk's dockerd. */
    Optional<ProcessHandle> running(MachineDisk disk) {
        Optional<Long> pid = disk.value("pid").map(Long::parseLong);
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", pid.get().toString(), "cmdline"));
            String args = new String(cmdline, StandardCharsets.UTF_8).replace('\0', ' ');
            if (!args.startsWith("dockerd --data-root " + disk.dataRoot() + " ")) {
                return Optional.empty();
            }
        } catch (IOException gone) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid.get()).filter(ProcessHandle::isAlive);
    }

    /**
     * Stops the node: SIGTERM lets dockerd shut down, SIGKILL after {@code grace}; {@link Duration#ZERO} is a power
     * cut. Returns once every process of the node's PID namespace is gone.
     */
    void stop(MachineDisk disk, Duration grace) {
        Optional<ProcessHandle> launcher = disk.value("launcher.pid").map(Long::parseLong).flatMap(ProcessHandle::of)
                .filter(process -> process.info().command().orElse("").endsWith("unshare"));
        running(disk).ifPresent(dockerd -> {
            if (grace.isZero()) {
                dockerd.destroyForcibly();
            } else {
                dockerd.destroy();
            }
            if (!awaitGone(dockerd, grace.isZero() ? Duration.ofSeconds(10) : grace)) {
                dockerd.destroyForcibly();
                if (!awaitGone(dockerd, Duration.ofSeconds(10))) {
                    throw new IllegalStateException("dockerd of " + disk.dir().getFileName() + " survived SIGKILL");
                }
            }
        });
        // unshare exits once its child, and with it the whole PID namespace, is gone.
        launcher.ifPresent(process -> awaitGone(process, Duration.ofSeconds(10)));
    }

    private static boolean awaitGone(ProcessHandle process, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (process.isAlive()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            NodeNetwork.pause(50);
        }
        return true;
    }

    /** Whether dockerd answers {@code GET /_ping} on its socket. */
    static boolean answers(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            channel.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer reply = ByteBuffer.allocate(64);
            channel.read(reply);
            String status = new String(reply.array(), 0, reply.position(), StandardCharsets.US_ASCII);
            return status.startsWith("HTTP/1.0 200") || status.startsWith("HTTP/1.1 200");
        } catch (IOException notYet) {
            return false;
        }
    }

    private void failIf(boolean failed, MachineDisk disk, String why) {
        if (failed) {
            stop(disk, Duration.ZERO);
            throw new IllegalStateException(why + "; see " + disk.daemonLog());
        }
    }
}
