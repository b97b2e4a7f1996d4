package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.testsupport.LocalHostProcess;
import io.harbormaster.testsupport.LocalServices;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pause switch through the local host on Azurite: master key only, stored at once, still set for a host started
 * afterwards, and recorded as decisions. No check runs (its timer is yearly) and nothing reaches ARM.
 */
class PauseSwitchIT {
    private static final String FUNCTION_KEY = "pause-it-function-key-0123456789";
    private static final String MASTER_KEY = "pause-it-master-key-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    // The host's container is the shared one: what was there before is put back afterwards.
    private final BlobContainerClient container = new BlobServiceClientBuilder()
            .connectionString(LocalServices.storageConnectionString()).buildClient()
            .getBlobContainerClient(BlobCapacityState.CONTAINER);
    private final Map<String, BinaryData> before = new HashMap<>();
    private LocalHostProcess host;

    @BeforeEach
    void saveSharedBlobs() {
        container.createIfNotExists();
        for (String name : List.of(BlobCapacityState.PAUSE, BlobCapacityState.HISTORY)) {
            if (container.getBlobClient(name).exists()) {
                before.put(name, container.getBlobClient(name).downloadContent());
            }
        }
        container.getBlobClient(BlobCapacityState.PAUSE).deleteIfExists();
    }

    @AfterEach
    void restoreSharedBlobs() throws Exception {
        if (host != null) {
            host.close();
            String logs = host.output();
            assertFalse(logs.contains(MASTER_KEY), "the master key reached the logs");
        }
        for (String name : List.of(BlobCapacityState.PAUSE, BlobCapacityState.HISTORY)) {
            if (before.containsKey(name)) {
                container.getBlobClient(name).upload(before.get(name), true);
            } else {
                container.getBlobClient(name).deleteIfExists();
            }
        }
    }

    private static LocalHostProcess start() throws Exception {
        return LocalHostProcess.start(LocalHostProcess.settings(
                "HARBORMASTER_DOCKER_HOSTS", LocalServices.dockerHost(),
                "HARBORMASTER_LOCAL_FUNCTION_KEY", FUNCTION_KEY,
                "HARBORMASTER_LOCAL_MASTER_KEY", MASTER_KEY,
                "AzureWebJobsStorage", LocalServices.storageConnectionString(),
                "HARBORMASTER_CAPACITY_SCHEDULE", "0 0 0 1 1 *",
                "HARBORMASTER_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000000",
                "HARBORMASTER_RESOURCE_GROUP", "pause-it",
                "HARBORMASTER_SCALE_SET_NAME", "agents",
                // A closed loopback port: a configured scale set that nothing here ever calls.
                "HARBORMASTER_AZURE_CLOUD", "https://127.0.0.1:9/",
                "IDENTITY_ENDPOINT", "http://127.0.0.1:9/msi/token",
                "IDENTITY_HEADER", "unused")).awaitReady(Duration.ofSeconds(60));
    }

    private HttpResponse<String> call(String method, String path, String body, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(host.uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("x-functions-key", key);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theSwitchNeedsTheMasterKeyIsStoredAndOutlivesTheHost() throws Exception {
        host = start();
        assertEquals(401, call("POST", "/api/capacity/pause", null, FUNCTION_KEY).statusCode(),
                "a function key paused the cluster");
        assertFalse(container.getBlobClient(BlobCapacityState.PAUSE).exists());

        HttpResponse<String> paused = call("POST", "/api/capacity/pause",
                "{\"by\":\"pause-it\",\"reason\":\"integration test\"}", MASTER_KEY);
        assertEquals(200, paused.statusCode(), paused.body());
        assertTrue(JSON.readTree(paused.body()).path("paused").asBoolean(), paused.body());
        CapacityPause stored = CapacityPause.fromJson(container.getBlobClient(BlobCapacityState.PAUSE).downloadContent().toString());
        assertTrue(stored.paused());
        assertEquals("pause-it", stored.by());

        // No restart is needed to set it, and a restart does not clear it.
        host.close();
        host = start();
        JsonNode shown = JSON.readTree(call("GET", "/api/capacity/pause", null, MASTER_KEY).body());
        assertTrue(shown.path("paused").asBoolean(), shown.toString());
        assertEquals("integration test", shown.path("reason").asText());

        HttpResponse<String> resumed = call("POST", "/api/capacity/resume", "{\"by\":\"pause-it\"}", MASTER_KEY);
        assertEquals(200, resumed.statusCode(), resumed.body());
        assertFalse(CapacityPause.fromJson(container.getBlobClient(BlobCapacityState.PAUSE).downloadContent().toString()).paused());
        List<String> decisions = CapacityHistoryCodec.read(container.getBlobClient(BlobCapacityState.HISTORY).downloadContent()
                .toString()).recentDecisions().stream().map(CapacityHistory.Decision::action).toList();
        assertEquals(List.of("pause automatic actions", "resume automatic actions"),
                decisions.subList(decisions.size() - 2, decisions.size()));
    }
}
