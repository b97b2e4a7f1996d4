package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.testsupport.DockerCli;
import io.harbormaster.testsupport.LocalHostProcess;
import io.harbormaster.testsupport.LocalServices;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The join function end to end: a child JVM running the local host, the real swarm manager behind it. */
class JoinFunctionIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The master key: join, drain and status are ADMIN-level routes. */
    private static final String KEY = UUID.randomUUID().toString();
    private static final String FUNCTION_KEY = UUID.randomUUID().toString();

    private static LocalHostProcess host;
    private static DockerCli docker;

    @BeforeAll
    static void startHost() throws Exception {
        docker = DockerCli.forLocalManager();
        host = LocalHostProcess.start(LocalHostProcess.settings(
                "HARBORMASTER_DOCKER_HOSTS", LocalServices.dockerHost(),
                "HARBORMASTER_LOCAL_FUNCTION_KEY", FUNCTION_KEY,
                "HARBORMASTER_LOCAL_MASTER_KEY", KEY,
                "AzureWebJobsStorage", LocalServices.storageConnectionString())).awaitReady(Duration.ofSeconds(60));
    }

    /** Whatever the tests made it do, no join token reached the host's output. */
    @AfterAll
    static void stopHostAndCheckItsLogsHoldNoToken() throws Exception {
        host.close();
        String logs = host.output();
        assertTrue(logs.contains("join"), "the host logged nothing about join: " + logs);
        assertFalse(logs.contains(docker.run("swarm", "join-token", "-q", "worker")), "worker token in the logs");
        assertFalse(logs.contains(docker.run("swarm", "join-token", "-q", "manager")), "manager token in the logs");
        assertFalse(logs.contains("SWMTKN"), "a swarm token in the logs");
        assertFalse(logs.contains(KEY), "the master key in the logs");
    }

    private static HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(host.uri(path)).timeout(Duration.ofSeconds(30)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withoutAValidKeyTheAnswerIs401AndHoldsNoToken() throws Exception {
        HttpResponse<String> none = get("/api/join/worker");
        assertEquals(401, none.statusCode());
        assertFalse(none.body().contains("SWMTKN"));
        assertEquals(401, get("/api/join/worker", "x-functions-key", "wrong").statusCode());
        assertEquals(401, get("/api/join/worker?code=wrong").statusCode());
        HttpResponse<String> functionKey = get("/api/join/manager", "x-functions-key", FUNCTION_KEY);
        assertEquals(401, functionKey.statusCode(), "the function key (the autoscale route's) does not open join");
        assertFalse(functionKey.body().contains("SWMTKN"));
    }

    @Test
    void aRotationOnTheOperatorRouteChangesTheSwarmsTokenAndTheTicketAtOnce() throws Exception {
        String oldWorker = JSON.readTree(get("/api/join/worker", "x-functions-key", KEY).body()).path("token").asText();
        String oldManager = docker.run("swarm", "join-token", "-q", "manager");
        assertEquals(401, rotate(FUNCTION_KEY, "{}").statusCode(), "the function key does not rotate");
        assertEquals(oldWorker, docker.run("swarm", "join-token", "-q", "worker"));

        HttpResponse<String> rotated = rotate(KEY, "{\"role\":\"worker\"}");
        assertEquals(200, rotated.statusCode(), rotated.body());
        assertEquals("[\"worker\"]", JSON.readTree(rotated.body()).path("rotated").toString());
        assertFalse(rotated.body().contains("SWMTKN"), "no token in the reply");
        String newWorker = docker.run("swarm", "join-token", "-q", "worker");
        assertNotEquals(oldWorker, newWorker, "the swarm's worker token changed");
        assertEquals(oldManager, docker.run("swarm", "join-token", "-q", "manager"), "the manager token did not");
        // Within the cache's 2 s bound, yet the new token: the rotation dropped the cached ticket.
        assertEquals(newWorker, JSON.readTree(get("/api/join/worker", "x-functions-key", KEY).body()).path("token").asText());
        String label = docker.run("info", "--format", "{{json .Swarm.Cluster.Spec.Labels}}");
        assertTrue(label.contains("io.harbormaster.join-token.worker.rotated-at"), label);

        assertEquals(400, rotate(KEY, "{\"role\":\"admin\"}").statusCode());
        assertEquals(newWorker, docker.run("swarm", "join-token", "-q", "worker"), "a refused request rotates nothing");
    }

    private static HttpResponse<String> rotate(String key, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(host.uri("/api/swarm/rotate-join-tokens")).timeout(Duration.ofSeconds(30))
                .header("x-functions-key", key).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void workerTicketIsTheSwarmsOwnToken() throws Exception {
        HttpResponse<String> response = get("/api/join/worker", "x-functions-key", KEY);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
        assertEquals("no-store", response.headers().firstValue("cache-control").orElse(""));
        JsonNode body = JSON.readTree(response.body());
        assertEquals("worker", body.path("role").asText());
        assertEquals(docker.run("swarm", "join-token", "-q", "worker"), body.path("token").asText());
        List<String> managers = List.of(docker.run("info", "--format",
                "{{range .Swarm.RemoteManagers}}{{.Addr}} {{end}}").trim().split(" "));
        assertEquals(managers, JSON.convertValue(body.path("managers"), List.class));
    }

    @Test
    void keyMayComeAsCodeQueryParameter() throws Exception {
        HttpResponse<String> response = get("/api/join/manager?code=" + KEY);
        assertEquals(200, response.statusCode(), response.body());
        String managerToken = docker.run("swarm", "join-token", "-q", "manager");
        assertEquals(managerToken, JSON.readTree(response.body()).path("token").asText());
        assertNotEquals(docker.run("swarm", "join-token", "-q", "worker"), managerToken);
    }

    @Test
    void plainTextIsReadyForDockerSwarmJoin() throws Exception {
        HttpResponse<String> response = get("/api/join/worker", "x-functions-key", KEY, "Accept", "text/plain");
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
        String manager = docker.run("info", "--format", "{{(index .Swarm.RemoteManagers 0).Addr}}");
        assertEquals(docker.run("swarm", "join-token", "-q", "worker") + " " + manager + "\n", response.body());
    }

    @Test
    void unknownRoleIs400WithAJsonError() throws Exception {
        HttpResponse<String> response = get("/api/join/admin", "x-functions-key", KEY);
        assertEquals(400, response.statusCode());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("unknown_role", body.path("error").asText());
        assertTrue(body.path("message").asText().contains("'admin'"), response.body());
    }

    @Test
    void otherMethodsAre405() throws Exception {
        for (String method : List.of("POST", "PUT", "DELETE")) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(host.uri("/api/join/worker"))
                    .header("x-functions-key", KEY)
                    .method(method, HttpRequest.BodyPublishers.ofString("{}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, response.statusCode(), method);
            assertEquals("GET", response.headers().firstValue("allow").orElse(""), method);
            assertEquals("method_not_allowed", JSON.readTree(response.body()).path("error").asText(), method);
        }
    }

    @Test
    void noReachableManagerIs503WithRetryAfter() throws Exception {
        try (LocalHostProcess deadManagers = LocalHostProcess.start(LocalHostProcess.settings(
                "HARBORMASTER_DOCKER_HOSTS", "unix:///nonexistent/harbormaster.sock",
                "HARBORMASTER_LOCAL_FUNCTION_KEY", FUNCTION_KEY,
                "HARBORMASTER_LOCAL_MASTER_KEY", KEY,
                "AzureWebJobsStorage", LocalServices.storageConnectionString())).awaitReady(Duration.ofSeconds(60))) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(deadManagers.uri("/api/join/worker"))
                    .header("x-functions-key", KEY).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, response.statusCode(), response.body());
            assertEquals("5", response.headers().firstValue("retry-after").orElse(""));
            assertEquals("no_manager_reachable", JSON.readTree(response.body()).path("error").asText());
        }
    }

    @Test
    void aMissingSettingStopsTheHostWithOneMessageNamingIt() throws Exception {
        LocalHostProcess misconfigured = LocalHostProcess.start(LocalHostProcess.settings(
                "HARBORMASTER_LOCAL_FUNCTION_KEY", FUNCTION_KEY,
                "HARBORMASTER_LOCAL_MASTER_KEY", KEY,
                "AzureWebJobsStorage", LocalServices.storageConnectionString()));
        int exit = misconfigured.awaitExit(Duration.ofSeconds(60));
        assertNotEquals(0, exit);
        String output = misconfigured.output();
        assertTrue(output.contains("Setting HARBORMASTER_DOCKER_HOSTS is missing"), output);
        assertFalse(output.contains("\tat "), "a stack trace instead of one message:\n" + output);
    }
}
