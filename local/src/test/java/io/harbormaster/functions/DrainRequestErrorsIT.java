package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.drain.BlobDrainStatusStore;
import io.harbormaster.drain.DrainQueue;
import io.harbormaster.testsupport.DockerCli;
import io.harbormaster.testsupport.LocalHostProcess;
import io.harbormaster.testsupport.LocalServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every refused drain request gets a JSON error naming the problem, and leaves the queue, the status store and
 * the swarm exactly as they were.
 */
class DrainRequestErrorsIT {
    /** The master key: join, drain and status are ADMIN-level routes. */
    private static final String KEY = "drain-errors-key-0123456789";
    private static final String FUNCTION_KEY = "drain-errors-function-key-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static LocalHostProcess host;
    private static DockerCli docker;
    private static String managerHostname;
    private static Map<String, String> swarmBefore;

    @BeforeAll
    static void startHost() throws Exception {
        docker = DockerCli.forLocalManager();
        managerHostname = docker.run("node", "inspect", "self", "--format", "{{.Description.Hostname}}").trim();
        swarmBefore = swarmState();
        host = LocalHostProcess.start(LocalHostProcess.settings(
                "HARBORMASTER_DOCKER_HOSTS", LocalServices.dockerHost(),
                "HARBORMASTER_LOCAL_FUNCTION_KEY", FUNCTION_KEY,
                "HARBORMASTER_LOCAL_MASTER_KEY", KEY,
                "AzureWebJobsStorage", LocalServices.storageConnectionString())).awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopHost() throws Exception {
        if (host != null) {
            host.close();
            String logs = host.output();
            assertFalse(logs.contains(KEY), "the master key reached the logs");
            assertFalse(logs.contains(" requested: "), "a refused request was recorded:\n" + logs);
            assertFalse(logs.contains("no such request"), "a refused request reached the queue:\n" + logs);
        }
    }

    /** Each node's availability and labels: what a drain would change. */
    private static Map<String, String> swarmState() {
        Map<String, String> state = new TreeMap<>();
        for (String line : docker.run("node", "ls", "--format", "{{.ID}}").lines().toList()) {
            state.put(line, docker.run("node", "inspect", line, "--format", "{{.Spec.Availability}} {{json .Spec.Labels}}"));
        }
        return state;
    }

    private static HttpResponse<String> call(String method, String path, String body, boolean withKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(host.uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (withKey) {
            request.header("x-functions-key", KEY);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefused(HttpResponse<String> response, int status, String code) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(code, body.path("error").asText(), response.body());
        assertTrue(body.path("message").asText().length() > 10, response.body());
        assertUnchanged();
    }

    private static void assertUnchanged() {
        QueueClient queue = new QueueClientBuilder().connectionString(LocalServices.storageConnectionString())
                .queueName(DrainQueue.NAME).buildClient();
        queue.createIfNotExists();
        assertEquals(0, queue.peekMessages(32, null, null).stream().count(), "a refused request was queued");
        BlobContainerClient statuses = new BlobServiceClientBuilder()
                .connectionString(LocalServices.storageConnectionString()).buildClient()
                .getBlobContainerClient(BlobDrainStatusStore.CONTAINER);
        assertFalse(statuses.getBlobClient(managerHostname.toLowerCase() + ".json").exists(), "a status was recorded");
        assertFalse(statuses.getBlobClient("no-such-node-4711.json").exists(), "a status was recorded");
        // Nodes that come and go meanwhile are other tests' (the swarm is shared); the ones we saw must be untouched.
        Map<String, String> now = swarmState();
        for (var node : swarmBefore.entrySet()) {
            if (now.containsKey(node.getKey())) {
                assertEquals(node.getValue(), now.get(node.getKey()), "node " + node.getKey() + " changed");
            }
        }
        assertTrue(now.containsKey(docker.run("node", "inspect", "self", "--format", "{{.ID}}").trim()), "the manager is gone");
    }

    @Test
    void nodeNamesThatAreNotHostnamesAre400() throws Exception {
        assertRefused(call("POST", "/api/drain/bad_name", null, true), 400, "invalid_node_name");
        assertRefused(call("POST", "/api/drain/a%3Brm%20-rf", null, true), 400, "invalid_node_name");
        assertRefused(call("POST", "/api/drain/" + "a".repeat(300), null, true), 400, "invalid_node_name");
    }

    @Test
    void aNodeTheSwarmDoesNotKnowIs404() throws Exception {
        assertRefused(call("POST", "/api/drain/no-such-node-4711", null, true), 404, "unknown_node");
        assertRefused(call("GET", "/api/drain/no-such-node-4711", null, true), 404, "no_drain");
    }

    @Test
    void aManagerIs409() throws Exception {
        assertRefused(call("POST", "/api/drain/" + managerHostname, "{\"reason\":\"manual\"}", true), 409, "node_is_manager");
        String managerId = docker.run("node", "inspect", "self", "--format", "{{.ID}}").trim();
        assertRefused(call("POST", "/api/drain/" + managerId, null, true), 409, "node_is_manager");
    }

    @Test
    void malformedBodiesAre400() throws Exception {
        for (String body : new String[] {"{", "[1]", "{\"reason\":\"because\"}", "{\"deleteInstance\":\"yes\"}",
                "{\"deadline\":\"yesterday\"}", "{\"unknown\":1}",
                "{\"deleteInstance\":true}"}) {
            assertRefused(call("POST", "/api/drain/" + managerHostname, body, true), 400, "invalid_body");
        }
    }

    @Test
    void aMissingOrWrongKeyIs401() throws Exception {
        HttpResponse<String> response = call("POST", "/api/drain/" + managerHostname, null, false);
        assertEquals(401, response.statusCode(), response.body());
        HttpResponse<String> wrong = HTTP.send(HttpRequest.newBuilder(URI.create(host.uri("/api/drain/x") + "?code=wrong"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, wrong.statusCode(), wrong.body());
        // The autoscale route's key: drain is an operator (ADMIN) route.
        HttpResponse<String> functionKey = HTTP.send(HttpRequest.newBuilder(host.uri("/api/drain/" + managerHostname))
                .header("x-functions-key", FUNCTION_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"deleteInstance\":true}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, functionKey.statusCode(), functionKey.body());
        assertUnchanged();
    }

    @Test
    void otherMethodsAre405() throws Exception {
        HttpResponse<String> response = call("PUT", "/api/drain/" + managerHostname, null, true);
        assertRefused(response, 405, "method_not_allowed");
        assertEquals("GET, POST, DELETE", response.headers().firstValue("allow").orElse(""));
    }

    @Test
    void callingOffADrainThatWasNeverRequestedIs404AndABadNameIs400() throws Exception {
        assertRefused(call("DELETE", "/api/drain/no-such-node-4711", null, true), 404, "no_drain");
        assertRefused(call("DELETE", "/api/drain/" + managerHostname, null, true), 404, "no_drain");
        assertRefused(call("DELETE", "/api/drain/bad_name", null, true), 400, "invalid_node_name");
    }
}
