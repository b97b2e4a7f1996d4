package io.harbormaster.emulator.nodes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A short command on this machine (ip, nsenter, docker): its exit status and output, bounded in time. */
public record HostCommand(List<String> argv, int exitCode, String output) {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public static HostCommand run(String... argv) {
        return run(DEFAULT_TIMEOUT, List.of(argv));
    }

    public static HostCommand run(Duration timeout, List<String> argv) {
        java.io.File out;
        try {
            out = java.io.File.createTempFile("hm-machine-command", ".out");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // A file, not a pipe: a command that hangs with its output open still times out.
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(out).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // Never a caller's DOCKER_HOST or context: every docker call names its daemon.
        builder.environment().keySet().removeIf(name -> name.startsWith("DOCKER_"));
        try {
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                return new HostCommand(List.copyOf(argv), 124, "timed out after " + timeout);
            }
            return new HostCommand(List.copyOf(argv), process.exitValue(),
                    java.nio.file.Files.readString(out.toPath(), StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + argv.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + argv.get(0), e);
        } finally {
            out.delete();
        }
    }

    boolean ok() {
        return exitCode == 0;
    }

    /** Fails unless the command succeeded; the message has the command and its output, which hold no secrets. */
    public HostCommand orThrow() {
        if (!ok()) {
            throw new IllegalStateException(describe());
        }
        return this;
    }

    String describe() {
        return String.join(" ", argv) + " exited with " + exitCode + (output.isEmpty() ? "" : ": " + output);
    }
}
