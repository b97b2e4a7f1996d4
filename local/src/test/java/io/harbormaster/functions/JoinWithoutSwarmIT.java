package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.DockerSettings;
import io.harbormaster.swarm.DockerSwarm;
import io.harbormaster.swarm.SwarmNotInitializedException;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.testsupport.DockerCli;
import io.harbormaster.testsupport.LocalHostProcess;
import io.harbormaster.testsupport.LocalServices;
import io.harbormaster.testsupport.ScratchDockerd;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Join against a real dockerd that answers but was never part of a swarm: 503 with Retry-After, not a 500. */
class JoinWithoutSwarmIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The master key: join, drain and status are ADMIN-level routes. */
    private static final String KEY = UUID.randomUUID().toString();
    private static final String FUNCTION_KEY = UUID.randomUUID().toString();

    private static ScratchDockerd dockerd;
    private static long dockerdPid;
    private static Path dockerdDirectory;

    @BeforeAll
    static void startASwarmlessDockerd() throws Exception {
        dockerd = ScratchDockerd.start("hm-no-swarm");
        dockerdPid = dockerd.pid();
        dockerdDirectory = dockerd.directory();
        // Otherwise a 503 could just as well come from a daemon that is not there at all.
        assertEquals("inactive", DockerCli.forHost(dockerd.host()).run("info", "--format", "{{.Swarm.LocalNodeState}}"));
    }

    /** Runs even when a test or the start failed: nothing of the daemon may outlive the class. */
    @AfterAll
    static void stopItAndCheckNothingIsLeft() {
        if (dockerd == null) {
            return;
        }
        dockerd.close();
        assertFalse(ProcessHandle.of(dockerdPid).map(ProcessHandle::isAlive).orElse(false),
                "dockerd pid " + dockerdPid + " is still running");
        assertFalse(Files.exists(dockerdDirectory), dockerdDirectory + " was not removed");
    }

    @Test
    void theAdapterThrowsSwarmNotInitializedForEitherRole() {
        AppSettings settings = new AppSettings(Map.of(DockerSettings.HOSTS, dockerd.host()));
        try (DockerSwarm swarm = DockerSwarm.connect(DockerSettings.from(settings))) {
            for (SwarmRole role : SwarmRole.values()) {
                SwarmNotInitializedException e = assertThrows(SwarmNotInitializedException.class,
                        () -> swarm.joinTicket(role), () -> role + "\n" + dockerd.logTail());
                assertTrue(e.getMessage().contains(dockerd.host() + ": not part of a swarm"), e.getMessage());
            }
        }
    }

    @Test
    void joinIs503WithRetryAfterAndSaysTheSwarmIsNotInitialised() throws Exception {
        try (LocalHostProcess host = LocalHostProcess.start(LocalHostProcess.settings(
                "HARBORMASTER_DOCKER_HOSTS", dockerd.host(),
                "HARBORMASTER_LOCAL_FUNCTION_KEY", FUNCTION_KEY,
                "HARBORMASTER_LOCAL_MASTER_KEY", KEY,
                "AzureWebJobsStorage", LocalServices.storageConnectionString())).awaitReady(Duration.ofSeconds(60))) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(host.uri("/api/join/worker"))
                    .header("x-functions-key", KEY).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertEquals(503, response.statusCode(), response.body());
            assertEquals(Long.toString(JoinFunction.RETRY_AFTER_NO_SWARM.toSeconds()),
                    response.headers().firstValue("retry-after").orElse("(none)"));
            assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
            JsonNode body = JSON.readTree(response.body());
            assertEquals("swarm_not_initialised", body.path("error").asText(), response.body());
            assertFalse(body.path("message").asText().isBlank(), response.body());

            host.close();
            String logs = host.output();
            assertTrue(logs.contains("join worker: no swarm is initialised"), logs);
            assertFalse(logs.contains(KEY), "the master key in the logs");
        }
    }
}
