package io.harbormaster.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    private static final String TOKEN = "SWMTKN-1-0123456789abcdefghijklmnopqrstuvwxyz-abcdefghijklmnopqrstuvwxy";

    @Test
    void theAgentsCloudConfigBecomesAPlainWorkerThatOnlyJoinsWithTheHarnesssToken() {
        String text = WorkerCloudConfig.render(agentYml(), URI.create("http://10.213.77.1:7071/"), "10.213.77.1:2377", TOKEN);
        CloudConfig config = CloudConfig.parse(text);
        RunCommands commands = RunCommands.interpret(config.runcmd());
        assertEquals(List.of(WorkerCloudConfig.JOIN_UNIT), commands.enabled());
        assertEquals(List.of(WorkerCloudConfig.JOIN_UNIT), commands.started());
        String env = file(config, "/etc/harbormaster/agent.env");
        assertTrue(env.startsWith("HARBORMASTER_FUNCTION_URL=http://10.213.77.1:7071\n"), env);
        assertTrue(env.contains("HARBORMASTER_IMDS_URL=http://10.213.77.1:9\n"), env);
        assertFalse(text.matches("(?s).*__HARBORMASTER_[A-Z_]+__.*"), "a placeholder left");
        assertFalse(env.contains("169.254"), env);
        assertEquals(TOKEN + "\n", file(config, WorkerCloudConfig.TOKEN_FILE));
        assertTrue(file(config, WorkerCloudConfig.JOIN_SCRIPT).contains(" 10.213.77.1:2377"));
        assertFalse(file(config, WorkerCloudConfig.JOIN_SCRIPT).contains("SWMTKN"), "the token stays in its file");
        // The agents' scripts are there, untouched.
        assertTrue(config.writeFiles().stream().anyMatch(f -> f.path().equals("/usr/local/bin/harbormaster-join")));
    }

    @Test
    void somethingThatIsNoTokenIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> WorkerCloudConfig.render(agentYml(),
                URI.create("http://10.213.77.1:7071/"), "10.213.77.1:2377", "x; rm -rf /"));
    }

    private static String file(CloudConfig config, String path) {
        return config.writeFiles().stream().filter(f -> f.path().equals(path))
                .map(f -> new String(f.content(), StandardCharsets.UTF_8)).findFirst().orElseThrow();
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
