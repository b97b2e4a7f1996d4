package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.capacity.CapacityCheck;
import io.harbormaster.capacity.CapacityPolicy;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.local.LocalExecutionContext;
import io.harbormaster.local.LocalHttpRequest;
import io.harbormaster.metrics.ControlPlaneMetrics;
import io.harbormaster.testsupport.InMemoryCapacityState;
import io.harbormaster.testsupport.InMemoryDrainQueue;
import io.harbormaster.testsupport.InMemoryDrainStatusStore;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pause routes and the queue-triggered check as adapters, over the in-memory ports. */
class CapacityPauseFunctionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    private final MutableClock clock = new MutableClock(T0);
    private final InMemorySwarm swarm = new InMemorySwarm(clock);
    private final InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);
    private final InMemoryDrainStatusStore statuses = new InMemoryDrainStatusStore();
    private final InMemoryCapacityState state = new InMemoryCapacityState(clock);
    private final CapacityCheck check = new CapacityCheck(swarm, scaleSet, statuses,
            new DrainRequests(swarm, statuses, new InMemoryDrainQueue(clock), new DrainSettings(Duration.ofSeconds(2),
                    Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofMinutes(15), Duration.ofDays(7)),
                    Optional.of(scaleSet), clock, AuditTrail.NONE),
            state, CapacityPolicy.DEFAULTS, clock, AuditTrail.NONE, ControlPlaneMetrics.global());
    private final CapacityPauseFunction function = new CapacityPauseFunction(Optional.of(check));

    private HttpResponseMessage call(boolean pause, HttpMethod method, String body) {
        var request = new LocalHttpRequest<>(URI.create("http://localhost/api/capacity/" + (pause ? "pause" : "resume")),
                method, Map.of(), Map.of(), Optional.ofNullable(body));
        var context = LocalExecutionContext.newInvocation("capacityPause", null, null);
        return pause ? function.pause(request, context) : function.resume(request, context);
    }

    private static JsonNode body(HttpResponseMessage response) throws Exception {
        return JSON.readTree(String.valueOf(response.getBody()));
    }

    private static void assertError(HttpResponseMessage response, int status, String code) throws Exception {
        assertEquals(status, response.getStatusCode());
        assertEquals(code, body(response).path("error").asText(), body(response).toString());
        assertTrue(body(response).path("message").asText().length() > 10);
    }

    @Test
    void pauseAndResumeAreStoredWithWhoAndWhyAndShownByGet() throws Exception {
        HttpResponseMessage paused = call(true, HttpMethod.POST, "{\"by\":\"alice\",\"reason\":\"bad image\"}");
        assertEquals(200, paused.getStatusCode());
        assertTrue(body(paused).path("paused").asBoolean());
        assertEquals("alice", body(paused).path("by").asText());
        assertEquals("bad image", body(paused).path("reason").asText());
        assertEquals(T0.toString(), body(paused).path("changedAt").asText());
        assertTrue(state.readPause().paused(), "stored");
        assertTrue(body(call(false, HttpMethod.GET, null)).path("paused").asBoolean(), "GET shows, changes nothing");
        assertTrue(state.readPause().paused());

        clock.advance(Duration.ofMinutes(5));
        HttpResponseMessage resumed = call(false, HttpMethod.POST, null);
        assertEquals(200, resumed.getStatusCode());
        assertFalse(body(resumed).path("paused").asBoolean());
        assertFalse(state.readPause().paused());
        assertEquals(2, state.readHistory().recentDecisions().size(), "each change is a decision");
    }

    @Test
    void badBodiesAre400AndChangeNothing() throws Exception {
        assertError(call(true, HttpMethod.POST, "{"), 400, "invalid_body");
        assertError(call(true, HttpMethod.POST, "[]"), 400, "invalid_body");
        assertError(call(true, HttpMethod.POST, "{\"by\":3}"), 400, "invalid_body");
        assertError(call(true, HttpMethod.POST, "{\"paused\":false}"), 400, "invalid_body");
        assertError(call(true, HttpMethod.POST, "{\"reason\":\"" + "x".repeat(501) + "\"}"), 400, "invalid_body");
        assertError(call(true, HttpMethod.POST, "{\"by\":\"a\\u0000b\"}"), 400, "invalid_body");
        assertError(call(true, HttpMethod.DELETE, null), 405, "method_not_allowed");
        assertFalse(state.readPause().paused());
        assertEquals(0, state.historyWrites());
    }

    @Test
    void withoutAScaleSetThereIsNothingToPause() throws Exception {
        var request = new LocalHttpRequest<>(URI.create("http://localhost/api/capacity/pause"), HttpMethod.POST, Map.of(),
                Map.of(), Optional.<String>empty());
        assertError(new CapacityPauseFunction(Optional.empty()).pause(request,
                LocalExecutionContext.newInvocation("capacityPause", null, null)), 409, "no_scale_set");
    }

    @Test
    void aQueuedCheckThatFindsTheLeaseHeldCompletesAndKeepsTheAnnouncedCapacity() throws Exception {
        var otherCheck = state.tryAcquire().orElseThrow();
        try {
            // Throwing here would send the message to the poison queue after five quick retries.
            new CapacityFunction(Optional.of(check)).onDemand("{\"expectedCapacity\":5}",
                    LocalExecutionContext.newInvocation("capacityNow", null, null));
        } finally {
            otherCheck.close();
        }
        assertEquals(5, state.readHistory().expectedCapacity().capacity());
    }
}
