package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Commands these tests run (cloud-init, sh, curl, python3): missing under CI=true fails, elsewhere aborts. */
final class HostTools {
    record Result(int exitCode, String output) {}

    private HostTools() {
    }

    static void require(String command, String installHint) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return;
            }
        }
        String message = command + " is not installed: " + installHint;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(message);
        }
        Assumptions.abort(message);
    }

    /** Runs a command with stdout and stderr merged, bounded in time. */
    static Result run(List<String> command, Map<String, String> environment, long timeoutSeconds) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            process.getOutputStream().close();
            byte[][] output = new byte[1][];
            Thread reader = new Thread(() -> {
                try {
                    output[0] = process.getInputStream().readAllBytes();
                } catch (IOException e) {
                    output[0] = ("cannot read output: " + e).getBytes(StandardCharsets.UTF_8);
                }
            });
            reader.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                reader.join(10_000);
                return new Result(-1, "timed out after " + timeoutSeconds + "s: " + new String(output[0] == null ? new byte[0] : output[0], StandardCharsets.UTF_8));
            }
            reader.join(10_000);
            return new Result(process.exitValue(), new String(output[0], StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
