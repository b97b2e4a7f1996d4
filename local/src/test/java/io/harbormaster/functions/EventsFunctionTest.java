package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import io.harbormaster.audit.AuditRetention;
import io.harbormaster.local.LocalExecutionContext;
import io.harbormaster.local.LocalHttpRequest;
import io.harbormaster.testsupport.InMemoryAuditTrail;
import io.harbormaster.testsupport.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EventsFunctionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-12-06T18:00:00Z");

    private final MutableClock clock = new MutableClock(NOW);
    private final InMemoryAuditTrail trail = new InMemoryAuditTrail();
    private final EventsFunction function = new EventsFunction(new AuditRetention(trail, Duration.ofDays(30), clock), clock);

    private HttpResponseMessage get(String... query) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < query.length; i += 2) {
            parameters.put(query[i], query[i + 1]);
        }
        var request = new LocalHttpRequest<>(URI.create("http://localhost/api/events"), HttpMethod.GET, Map.of(),
                parameters, Optional.<String>empty());
        return function.run(request, LocalExecutionContext.newInvocation("events", null, null));
    }

    private static JsonNode body(HttpResponseMessage response) throws Exception {
        return JSON.readTree(String.valueOf(response.getBody()));
    }

    @Test
    void theLastHourByDefaultOldestFirstWithTheSinceOfTheNextPage() throws Exception {
        trail.record(AuditEvent.of(NOW.minus(Duration.ofMinutes(90)), AuditKind.SCALE_OUT, "scale set", "older"));
        trail.record(AuditEvent.of(NOW.minus(Duration.ofMinutes(20)), AuditKind.SCALE_OUT, "scale set", "3 pending"));
        trail.record(AuditEvent.of(NOW.minus(Duration.ofMinutes(10)), AuditKind.DRAIN_STATE, "agent-1", "scale-in",
                "to", "drained"));
        HttpResponseMessage response = get();
        assertEquals(200, response.getStatusCode());
        JsonNode body = body(response);
        assertEquals(2, body.path("events").size());
        assertEquals("scale-out", body.path("events").get(0).path("kind").asText());
        assertEquals("drained", body.path("events").get(1).path("details").path("to").asText());
        assertEquals(NOW.minus(Duration.ofMinutes(10)).toString(), body.path("next").asText());
        assertEquals("PT720H", body.path("retention").asText());

        JsonNode page = body(get("since", NOW.minus(Duration.ofHours(2)).toString(), "limit", "1"));
        assertEquals("older", page.path("events").get(0).path("reason").asText());
        assertEquals(0, body(get("since", body.path("next").asText())).path("events").size(), "nothing after the last");
    }

    @Test
    void badParametersAre400WithAJsonBody() throws Exception {
        for (String[] query : new String[][] {{"since", "yesterday"}, {"limit", "0"}, {"limit", "1001"}, {"limit", "ten"}}) {
            HttpResponseMessage response = get(query);
            assertEquals(400, response.getStatusCode(), String.join("=", query));
            assertTrue(body(response).path("error").asText().startsWith("invalid_"), String.join("=", query));
        }
        assertEquals(405, function.run(new LocalHttpRequest<>(URI.create("http://localhost/api/events"), HttpMethod.POST,
                Map.of(), Map.of(), Optional.of("{}")), LocalExecutionContext.newInvocation("events", null, null))
                .getStatusCode());
    }
}
