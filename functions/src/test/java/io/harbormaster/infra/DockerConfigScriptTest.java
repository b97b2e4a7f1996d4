package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * cloud-init/agent.yml's harbormaster-docker-config, run as docker.service's ExecStartPre runs it: the pool's generic
 * resources from the env file into daemon.json's node-generic-resources, and nothing else ever.
 */
class DockerConfigScriptTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OTHER_SETTINGS = "{\"log-level\": \"warn\"}\n";

    @TempDir
    Path dir;
    private Path script;
    private Path env;
    private Path daemonJson;

    @BeforeEach
    void extract() {
        HostTools.require("sh", "a POSIX shell");
        HostTools.require("python3", "apt-get install -y python3");
        script = CloudInitFiles.extractScript("cloud-init/agent.yml", "/usr/local/sbin/harbormaster-docker-config", dir);
        env = dir.resolve("agent.env");
        daemonJson = dir.resolve("etc-docker").resolve("daemon.json");
    }

    /** Runs the script with the env file's value: base64 of {@code json}, as infra/cluster.json writes it. */
    private HostTools.Result run(String json) throws IOException {
        return runEncoded(Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)));
    }

    private HostTools.Result runEncoded(String value) throws IOException {
        Files.writeString(env, "HARBORMASTER_FUNCTION_URL=http://10.0.0.4:7071\nHARBORMASTER_GENERIC_RESOURCES_B64=" + value + "\n");
        return HostTools.run(List.of("sh", script.toString()), Map.of("HARBORMASTER_AGENT_ENV", env.toString(),
                "HARBORMASTER_DOCKER_CONFIG", daemonJson.toString()), 30);
    }

    private void existing(String text) throws IOException {
        Files.createDirectories(daemonJson.getParent());
        Files.writeString(daemonJson, text);
    }

    @Test
    void writesThePoolsGenericResourcesAndKeepsTheEnginesOtherSettings() throws IOException {
        existing(OTHER_SETTINGS);
        HostTools.Result result = run("{\"gpu\":2,\"NVIDIA-GPU\":1,\"ssd.fast_1\":3}");
        assertEquals(0, result.exitCode(), result.output());
        JsonNode written = JSON.readTree(daemonJson.toFile());
        assertEquals("warn", written.path("log-level").asText(), written.toString());
        assertEquals(List.of("NVIDIA-GPU=1", "gpu=2", "ssd.fast_1=3"),
                JSON.convertValue(written.path("node-generic-resources"), List.class));
        assertTrue(result.output().contains("node-generic-resources NVIDIA-GPU=1 gpu=2 ssd.fast_1=3"), result.output());
    }

    @Test
    void aPoolWithoutGenericResourcesRemovesTheKeyAndWritesNoFileWhereThereWasNone() throws IOException {
        assertEquals(0, run("{}").exitCode());
        assertFalse(Files.exists(daemonJson), "nothing to advertise, nothing written");

        existing("{\"log-level\": \"warn\", \"node-generic-resources\": [\"gpu=1\"]}");
        HostTools.Result result = run("{}");
        assertEquals(0, result.exitCode(), result.output());
        assertEquals(JSON.readTree(OTHER_SETTINGS), JSON.readTree(daemonJson.toFile()), "the pool no longer has a gpu");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"gpu\\\"], \\\"hosts\\\": [\\\"tcp://0.0.0.0:2375\":1}", // a kind that would close the string and add a key
            "{\"gpu\\nx\":1}", "{\"\":1}", "{\"-gpu\":1}", "{\"gpu=2\":1}", "{\"gpu x\":1}",
            "{\"gpu\":0}", "{\"gpu\":-1}", "{\"gpu\":1.5}", "{\"gpu\":true}", "{\"gpu\":\"1\"}", "{\"gpu\":1000001}",
            "[\"gpu=1\"]", "\"gpu=1\"", "not json"})
    void refusesAnyValueThatIsNotAKindAndAWholeCountAndLeavesDaemonJsonAlone(String json) throws IOException {
        existing(OTHER_SETTINGS);
        HostTools.Result result = run(json);
        assertEquals(1, result.exitCode(), json + ": " + result.output());
        assertTrue(result.output().startsWith("harbormaster-docker-config: REFUSED, dockerd not started: "), result.output());
        assertEquals(OTHER_SETTINGS, Files.readString(daemonJson), json);
    }

    @Test
    void aValueThatIsNotBase64OrAPlaceholderLeftUnfilledIsRefused() throws IOException {
        for (String value : List.of("__HARBORMASTER_GENERIC_RESOURCES_B64__", "gpu=1", "e30=; rm -rf /")) {
            HostTools.Result result = runEncoded(value);
            assertEquals(1, result.exitCode(), value + ": " + result.output());
            assertFalse(Files.exists(daemonJson), value);
        }
    }
}
