package io.harbormaster.emulator.imds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rules every IMDS request meets, from Learn's "Security and authentication", "Versioning" and "Rate limiting". */
class ImdsRequestRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAME = "/metadata/instance/compute/name?api-version=2021-02-01&format=text";
    private ImdsTestServer imds;

    @BeforeEach
    void start() throws Exception {
        imds = new ImdsTestServer();
    }

    @AfterEach
    void stop() {
        imds.close();
    }

    @Test
    void withoutTheMetadataHeaderTheAnswerIsTheDocumented400() throws Exception {
        ImdsClient.Response response = imds.as("127.0.0.2").send("GET", NAME, Map.of(), null);

        assertEquals(400, response.status());
        assertEquals("{\"error\":\"Bad request. Required metadata header not specified\"}", response.body());
        assertEquals(400, imds.as("127.0.0.2").send("GET", NAME, Map.of("Metadata", "false"), null).status());
    }

    @Test
    void theMetadataHeaderValueIgnoresCase() throws Exception {
        // Learn's own attested-data sample sends "Metadata:True".
        assertEquals(200, imds.as("127.0.0.2").send("GET", NAME, Map.of("Metadata", "True"), null).status());
    }

    @Test
    void aForwardedRequestIsRefused() throws Exception {
        ImdsClient.Response response = imds.as("127.0.0.2")
                .send("GET", NAME, Map.of("Metadata", "true", "X-Forwarded-For", "10.0.0.9"), null);

        assertEquals(400, response.status());
        assertTrue(response.body().contains("X-Forwarded-For"), response.body());
    }

    @Test
    void withoutAnApiVersionTheAnswerListsTheNewestVersions() throws Exception {
        ImdsClient.Response response = imds.as("127.0.0.2").get("/metadata/instance/compute/name?format=text");

        assertEquals(400, response.status());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(ImdsServer.API_VERSION_ERROR, body.path("error").asText());
        assertEquals(List.of("2025-04-07", "2024-07-17", "2024-03-15"),
                JSON.convertValue(body.path("newest-versions"), List.class));
    }

    @Test
    void anUnknownApiVersionIsRefusedTheSameWay() throws Exception {
        ImdsClient.Response instance = imds.as("127.0.0.2").get("/metadata/instance?api-version=2016-01-01");
        ImdsClient.Response events = imds.as("127.0.0.2").get("/metadata/scheduledevents?api-version=2021-02-01");

        assertEquals(400, instance.status());
        assertTrue(JSON.readTree(instance.body()).has("newest-versions"));
        assertEquals(400, events.status(), "scheduled events keep their own versions");
        assertEquals("2020-07-01", JSON.readTree(events.body()).path("newest-versions").path(0).asText());
    }

    @Test
    void duplicateQueryParametersAreRefused() throws Exception {
        ImdsClient.Response response = imds.as("127.0.0.2")
                .get("/metadata/instance/compute/name?api-version=2021-02-01&format=text&format=text");

        assertEquals(400, response.status());
        assertTrue(response.body().contains("Duplicate query parameter: format"), response.body());
    }

    @Test
    void aStrangerIsForbidden() throws Exception {
        ImdsClient.Response response = imds.as("127.0.0.1").get(NAME);

        assertEquals(403, response.status());
        assertTrue(JSON.readTree(response.body()).path("error").asText().contains("127.0.0.1"), response.body());
    }

    @Test
    void anotherVerbThanGetIsNotAllowed() throws Exception {
        assertEquals(405, imds.as("127.0.0.2").send("POST", NAME, Map.of("Metadata", "true"), "{}").status());
    }

    @Test
    void anUnknownCategoryIsNotFound() throws Exception {
        assertEquals(404, imds.as("127.0.0.2").get("/metadata/nothing?api-version=2021-02-01").status());
    }

    @Test
    void aBurstAboveTheRateIsRefusedWith429PerVm() throws Exception {
        try (ImdsTestServer strict = new ImdsTestServer(2)) {
            List<Integer> vm0 = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                vm0.add(strict.as("127.0.0.2").get(NAME).status());
            }
            int vm1 = strict.as("127.0.0.3").get(NAME).status();
            Thread.sleep(600); // a token and more come back at 2 per second

            assertEquals(List.of(200, 200, 429), vm0);
            assertEquals(200, vm1, "each VM has its own bucket");
            assertEquals(200, strict.as("127.0.0.2").get(NAME).status());
        }
    }
}
