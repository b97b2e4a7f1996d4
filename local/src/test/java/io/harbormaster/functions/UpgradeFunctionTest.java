package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.lifecycle.upgrade.UpgradeControl;
import io.harbormaster.local.LocalExecutionContext;
import io.harbormaster.local.LocalHttpRequest;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemoryUpgradeQueue;
import io.harbormaster.testsupport.InMemoryUpgradeStore;
import io.harbormaster.testsupport.MutableClock;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UpgradeFunctionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T20:00:00Z"));
    private final InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);
    private final InMemoryUpgradeStore store = new InMemoryUpgradeStore();
    private final InMemoryUpgradeQueue queue = new InMemoryUpgradeQueue(clock);
    private final UpgradeFunction function = new UpgradeFunction(Optional.of(
            new UpgradeControl(scaleSet, store, queue, clock, AuditTrail.NONE)));

    private HttpResponseMessage call(HttpMethod method, String body) {
        var request = new LocalHttpRequest<>(URI.create("http://localhost/api/upgrade"), method, Map.of(), Map.of(),
                Optional.ofNullable(body));
        return function.run(request, LocalExecutionContext.newInvocation("upgrade", null, null));
    }

    private static JsonNode body(HttpResponseMessage response) throws Exception {
        return JSON.readTree(String.valueOf(response.getBody()));
    }

    @Test
    void badInputIsA400WithJsonAndChangesNothing() throws Exception {
        scaleSet.addInstance("agent000000");
        scaleSet.changeModel();
        for (String bad : new String[] {"", "[]", "{\"action\":\"upgrade\"}", "{\"action\":1}", "{\"action\":\"start\",\"x\":1}",
                "not json"}) {
            HttpResponseMessage response = call(HttpMethod.POST, bad);
            assertEquals(400, response.getStatusCode(), bad);
            assertTrue(body(response).path("error").asText().startsWith("invalid_"), bad);
        }
        assertTrue(store.read().isEmpty(), "nothing stored");
        assertTrue(queue.waiting().isEmpty(), "nothing queued");
        assertEquals(405, call(HttpMethod.DELETE, null).getStatusCode());
    }

    @Test
    void startIs202ThenPauseAndResumeAre200WithTheState() throws Exception {
        scaleSet.addInstance("agent000000");
        scaleSet.addInstance("agent000001");
        assertEquals("none", body(call(HttpMethod.POST, "{\"action\":\"start\"}")).path("state").asText());
        assertEquals(409, call(HttpMethod.POST, "{\"action\":\"pause\"}").getStatusCode(), "nothing to pause");

        scaleSet.changeModel();
        HttpResponseMessage started = call(HttpMethod.POST, "{\"action\":\"start\"}");
        assertEquals(202, started.getStatusCode());
        assertEquals("running", body(started).path("state").asText());
        assertEquals(2, body(started).path("instances").size());
        assertEquals("pending", body(started).path("instances").path(0).path("phase").asText());

        HttpResponseMessage paused = call(HttpMethod.POST, "{\"action\":\"pause\"}");
        assertEquals(200, paused.getStatusCode());
        assertEquals("paused", body(paused).path("state").asText());
        assertEquals("paused by the operator", body(paused).path("pausedBecause").asText());

        HttpResponseMessage resumed = call(HttpMethod.POST, "{\"action\":\"resume\"}");
        assertEquals(200, resumed.getStatusCode());
        assertEquals("running", body(resumed).path("state").asText());
        assertEquals("running", body(call(HttpMethod.GET, null)).path("state").asText());
    }

    @Test
    void withoutAScaleSetIs409() throws Exception {
        HttpResponseMessage response = new UpgradeFunction(Optional.empty()).run(new LocalHttpRequest<>(
                URI.create("http://localhost/api/upgrade"), HttpMethod.POST, Map.of(), Map.of(),
                Optional.of("{\"action\":\"start\"}")), LocalExecutionContext.newInvocation("upgrade", null, null));
        assertEquals(409, response.getStatusCode());
        assertEquals("no_scale_set", body(response).path("error").asText());
    }
}
