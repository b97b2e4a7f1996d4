package io.harbormaster.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real docker CLI against one daemon: the independent witness our adapter's answers are checked against. */
public final class DockerCli {
    private final String host;

    private DockerCli(String host) {
        this.host = host;
    }

    public static DockerCli forLocalManager() {
        return new DockerCli(LocalServices.dockerHost());
    }

    public static DockerCli forHost(String host) {
        return new DockerCli(host);
    }

    /** Runs {@code docker -H host args...}, fails the test on a non-zero exit, returns stdout trimmed. */
    public String run(String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "-H", host));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("docker " + String.join(" ", args) + " did not finish in 60 s");
            }
            assertEquals(0, process.exitValue(), () -> "docker " + String.join(" ", args) + " failed: " + output);
            return output;
        } catch (IOException e) {
            throw new AssertionError("cannot run the docker CLI", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
