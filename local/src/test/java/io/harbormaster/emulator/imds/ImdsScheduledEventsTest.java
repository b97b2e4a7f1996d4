package io.harbormaster.emulator.imds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ImdsScheduledEventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The terminate watcher's URL (cloud-init/agent.yml). */
    private static final String EVENTS = "/metadata/scheduledevents?api-version=2020-07-01";
    private static final String EVENT_ID = "602d9444-d2cd-49c7-8624-8643e7171297";
    private ImdsTestServer imds;

    @BeforeEach
    void start() throws Exception {
        imds = new ImdsTestServer();
    }

    @AfterEach
    void stop() {
        imds.close();
    }

    private static ScheduledEvent terminate(String status, Instant notBefore) {
        return new ScheduledEvent(EVENT_ID, "Terminate", "VirtualMachine", List.of(ImdsTestServer.VM0), status, notBefore,
                "", "Platform", -1);
    }

    @Test
    void noEventsIsAnEmptyArray() throws Exception {
        ImdsClient.Response response = imds.as("127.0.0.2").get(EVENTS);

        assertEquals(200, response.status());
        assertEquals("{\"DocumentIncarnation\":1,\"Events\":[]}", response.body());
    }

    @Test
    void aScheduledEventHasTheDocumentedShapeAndNotBefore() throws Exception {
        imds.backend.events(new EventsDocument(2, List.of(terminate("Scheduled", Instant.parse("2016-09-05T18:29:47Z")))));

        JsonNode document = JSON.readTree(imds.as("127.0.0.2").get(EVENTS).body());

        assertEquals(2, document.path("DocumentIncarnation").asInt());
        assertTrue(document.path("DocumentIncarnation").isNumber());
        JsonNode event = document.path("Events").path(0);
        assertEquals(List.of("EventId", "EventType", "ResourceType", "Resources", "EventStatus", "NotBefore", "Description",
                "EventSource", "DurationInSeconds"), List.copyOf(iterable(event.fieldNames())));
        assertEquals(EVENT_ID, event.path("EventId").asText());
        assertEquals("Terminate", event.path("EventType").asText());
        assertEquals(ImdsTestServer.VM0, event.path("Resources").path(0).asText());
        assertEquals("Scheduled", event.path("EventStatus").asText());
        assertEquals("Mon, 05 Sep 2016 18:29:47 GMT", event.path("NotBefore").asText());
        assertEquals("Platform", event.path("EventSource").asText());
        assertEquals(-1, event.path("DurationInSeconds").asInt());
        assertTrue(event.path("DurationInSeconds").isNumber());
    }

    @Test
    void aStartedEventHasABlankNotBeforeAndTheNewIncarnation() throws Exception {
        imds.backend.events(new EventsDocument(3, List.of(terminate("Started", null))));

        JsonNode document = JSON.readTree(imds.as("127.0.0.2").get(EVENTS).body());

        assertEquals(3, document.path("DocumentIncarnation").asInt());
        assertEquals("Started", document.at("/Events/0/EventStatus").asText());
        assertEquals("", document.at("/Events/0/NotBefore").asText());
    }

    @Test
    void anotherVmDoesNotSeeTheEventAndOlderVersionsLackNewerFields() throws Exception {
        imds.backend.events(new EventsDocument(2, List.of(terminate("Scheduled", Instant.now()))));

        assertEquals(0, JSON.readTree(imds.as("127.0.0.3").get(EVENTS).body()).path("Events").size());
        JsonNode old = JSON.readTree(imds.as("127.0.0.2").get("/metadata/scheduledevents?api-version=2019-01-01").body())
                .at("/Events/0");
        assertFalse(old.has("Description") || old.has("EventSource") || old.has("DurationInSeconds"), old.toString());
    }

    @Test
    void anApprovalReachesTheBackend() throws Exception {
        imds.backend.events(new EventsDocument(2, List.of(terminate("Scheduled", Instant.now().plusSeconds(300)))));

        ImdsClient.Response response = imds.as("127.0.0.2").send("POST", EVENTS, Map.of("Metadata", "true"),
                "{\"StartRequests\":[{\"EventId\":\"" + EVENT_ID + "\"}]}");

        assertEquals(200, response.status());
        assertEquals(List.of(ImdsTestServer.VM0 + ":" + EVENT_ID), imds.backend.approvals());
    }

    @Test
    void anUnknownEventIdIsABadRequest() throws Exception {
        ImdsClient.Response response = imds.as("127.0.0.2").send("POST", EVENTS, Map.of("Metadata", "true"),
                "{\"StartRequests\":[{\"EventId\":\"no-such-event\"}]}");

        assertEquals(400, response.status());
        assertTrue(response.body().contains("no-such-event"), response.body());
        assertEquals(List.of(), imds.backend.approvals());
    }

    @Test
    void aMalformedApprovalIsABadRequest() throws Exception {
        assertEquals(400, imds.as("127.0.0.2").send("POST", EVENTS, Map.of("Metadata", "true"), "not json").status());
        assertEquals(400, imds.as("127.0.0.2").send("POST", EVENTS, Map.of("Metadata", "true"), "{\"StartRequests\":{}}").status());
        assertEquals(400, imds.as("127.0.0.2").send("POST", EVENTS, Map.of("Metadata", "true"),
                "{\"StartRequests\":[{\"Id\":\"x\"}]}").status());
        assertEquals(400, imds.as("127.0.0.2").send("POST", EVENTS, Map.of(), "{\"StartRequests\":[]}").status(),
                "the Metadata header is needed for approvals too");
    }

    private static <T> List<T> iterable(java.util.Iterator<T> iterator) {
        List<T> list = new java.util.ArrayList<>();
        iterator.forEachRemaining(list::add);
        return list;
    }
}
