package io.harbormaster.emulator.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CloudConfigTest {
    /** cloud-init/agent.yml of this checkout, found from the working directory upwards. */
    static String agentCloudConfig() throws IOException {
        return Files.readString(Path.of(agentCloudConfigPath()), StandardCharsets.UTF_8);
    }

    /** cloud-init/agent.yml of this checkout, found above the working directory. */
    static String agentCloudConfigPath() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path file = dir.resolve("cloud-init/agent.yml");
            if (Files.isRegularFile(file)) {
                return file.toString();
            }
        }
        throw new IllegalStateException("no cloud-init/agent.yml above " + Path.of("").toAbsolutePath());
    }

    @Test
    void theAgentsCloudConfigWritesItsScriptsAndUnitsWithTheirPermissions() throws IOException {
        CloudConfig config = CloudConfig.parse(agentCloudConfig());
        Map<String, CloudConfig.WriteFile> files = config.writeFiles().stream()
                .collect(Collectors.toMap(CloudConfig.WriteFile::path, Function.identity()));
        assertEquals(0600, files.get("/etc/harbormaster/agent.env").permissions());
        assertEquals(0755, files.get("/usr/local/bin/harbormaster-join").permissions());
        assertEquals(0755, files.get("/usr/local/sbin/harbormaster-imds-guard").permissions());
        assertEquals(0644, files.get("/etc/systemd/system/harbormaster-join.service").permissions());
        String join = new String(files.get("/usr/local/bin/harbormaster-join").content(), StandardCharsets.UTF_8);
        assertTrue(join.startsWith("#!/bin/sh\n# harbormaster-join:"), join);
        assertTrue(new String(files.get("/etc/harbormaster/agent.env").content(), StandardCharsets.UTF_8)
                .contains("HARBORMASTER_IMDS_URL=__HARBORMASTER_IMDS_URL__\n"));
        assertEquals(List.of("package_update", "packages"), config.skipped());
    }

    @Test
    void theAgentsRuncmdEnablesAndStartsItsUnitsButNotDockerWhichTheNodeIs() throws IOException {
        RunCommands commands = RunCommands.interpret(CloudConfig.parse(agentCloudConfig()).runcmd());
        List<String> units = List.of("harbormaster-imds-guard.service", "harbormaster-join.service",
                "harbormaster-terminate-watcher.service", "harbormaster-drain-on-shutdown.service");
        assertEquals(units, commands.enabled());
        assertEquals(units, commands.started());
    }

    @Test
    void base64FilesAndShellCommands() {
        CloudConfig config = CloudConfig.parse("""
                #cloud-config
                write_files:
                  - path: /etc/x/key.pem
                    encoding: b64
                    permissions: '0600'
                    content: aGVsbG8=
                runcmd:
                  - echo hi
                  - [systemctl, enable, --now, web]
                """);
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), config.writeFiles().get(0).content());
        assertEquals(List.of("sh", "-c", "echo hi"), config.runcmd().get(0));
        assertThrows(IllegalArgumentException.class, () -> RunCommands.interpret(config.runcmd()),
                "a command other than systemctl cannot be emulated");
        RunCommands enableNow = RunCommands.interpret(List.of(config.runcmd().get(1)));
        assertEquals(List.of("web.service"), enableNow.enabled());
        assertEquals(List.of("web.service"), enableNow.started());
    }

    @Test
    void refusesWhatIsNotACloudConfigOrEscapesTheDisk() {
        assertThrows(IllegalArgumentException.class, () -> CloudConfig.parse("write_files: []"));
        assertThrows(IllegalArgumentException.class, () -> CloudConfig.parse("#cloud-config\nwrite_files: [\n"));
        assertThrows(IllegalArgumentException.class, () -> CloudConfig.parse(
                "#cloud-config\nwrite_files:\n  - path: etc/relative\n    content: x\n"));
        assertThrows(IllegalArgumentException.class, () -> CloudConfig.parse(
                "#cloud-config\nwrite_files:\n  - path: /etc/../../x\n    content: x\n"));
        assertThrows(IllegalArgumentException.class, () -> CloudConfig.parse(
                "#cloud-config\nwrite_files:\n  - path: /etc/x\n    permissions: 'rwx'\n    content: x\n"));
    }
}
