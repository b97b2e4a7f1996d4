package io.harbormaster.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.emulator.nodes.CloudConfig;
import io.harbormaster.emulator.nodes.RunCommands;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerCloudConfigTest {
    @Test
    void theAgentsCloudConfigBecomesAPlainWorkerThatOnlyJoins() {
        String text = WorkerCloudConfig.render(agentYml(), URI.create("http://10.213.77.1:7071/"));
        CloudConfig config = CloudConfig.parse(text);
        RunCommands commands = RunCommands.interpret(config.runcmd());
        assertEquals(List.of("harbormaster-join.service"), commands.enabled());
        assertEquals(List.of("harbormaster-join.service"), commands.started());
        String env = config.writeFiles().stream().filter(file -> file.path().equals("/etc/harbormaster/agent.env"))
                .map(file -> new String(file.content(), StandardCharsets.UTF_8)).findFirst().orElseThrow();
        assertTrue(env.startsWith("HARBORMASTER_FUNCTION_URL=http://10.213.77.1:7071\nHARBORMASTER_JOIN_ATTEMPTS=3\n"), env);
        assertTrue(env.contains("HARBORMASTER_IMDS_URL=http://10.213.77.1:9\n"), env);
        assertFalse(text.matches("(?s).*__HARBORMASTER_[A-Z_]+__.*"), "a placeholder left");
        assertFalse(env.contains("169.254"), env);
        // The scripts and units are the agents' own, untouched.
        assertTrue(config.writeFiles().stream().anyMatch(file -> file.path().equals("/usr/local/bin/harbormaster-join")));
        assertTrue(config.writeFiles().stream().anyMatch(file -> file.path().equals("/etc/systemd/system/harbormaster-join.service")));
    }

    private static Path agentYml() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("cloud-init/agent.yml"))) {
                return dir.resolve("cloud-init/agent.yml");
            }
        }
        throw new IllegalStateException("no cloud-init/agent.yml above " + Path.of("").toAbsolutePath());
    }
}
