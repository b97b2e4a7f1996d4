package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.lifecycle.upgrade.UpgradeControl;
import io.harbormaster.lifecycle.upgrade.UpgradePool;
import io.harbormaster.scaleset.ImageCatalog;
import io.harbormaster.local.LocalExecutionContext;
import io.harbormaster.local.LocalHttpRequest;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemoryUpgradeQueue;
import io.harbormaster.testsupport.InMemoryUpgradeStore;
import io.harbormaster.testsupport.MutableClock;
import java.net.URI;
import java.time.Instant;
import java.util.List;
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
    void aStartNamesAPoolAndAnUnknownOrNonStringPoolIsA400NamingThePoolsThatChangesNothing() throws Exception {
        InMemoryScaleSet gpu = new InMemoryScaleSet("gpu", clock);
        scaleSet.addInstance("agent000000");
        gpu.addInstance("gpu000000");
        scaleSet.changeModel();
        gpu.changeModel();
        UpgradeFunction pools = new UpgradeFunction(Optional.of(new UpgradeControl(List.of(
                new UpgradePool("agents", scaleSet, ImageCatalog.NONE, 2, true),
                new UpgradePool("gpu", gpu, ImageCatalog.NONE, 2, false)), store, queue, clock, AuditTrail.NONE)));
        for (String bad : new String[] {"{\"action\":\"start\",\"pool\":\"cpu\"}", "{\"action\":\"start\",\"pool\":3}",
                "{\"action\":\"start\",\"pool\":null}", "{\"action\":\"pause\",\"pool\":\"gpu\"}"}) {
            HttpResponseMessage response = pools.run(request(bad), LocalExecutionContext.newInvocation("upgrade", null, null));
            assertEquals(400, response.getStatusCode(), bad);
            JsonNode error = body(response);
            assertTrue(error.path("error").asText().startsWith("invalid_"), bad);
            if (!bad.contains("pause")) {
                assertEquals("invalid_pool", error.path("error").asText(), bad);
                assertTrue(error.path("message").asText().endsWith("the pools are 'agents', 'gpu'"), error.toString());
            }
        }
        assertTrue(store.read().isEmpty(), "nothing stored");
        assertTrue(queue.waiting().isEmpty(), "nothing queued");
        assertEquals(0, gpu.calls().size() + scaleSet.calls().size(), "nothing read");

        HttpResponseMessage started = pools.run(request("{\"action\":\"start\",\"pool\":\"gpu\"}"),
                LocalExecutionContext.newInvocation("upgrade", null, null));
        assertEquals(202, started.getStatusCode());
        assertEquals("gpu", body(started).path("pool").asText());
        assertEquals(1, body(started).path("total").asInt(), "the gpu pool only");
        assertEquals("gpu:0", body(started).path("instances").path(0).path("instanceId").asText());
        assertEquals("gpu", body(started).path("instances").path(0).path("pool").asText());
    }

    private static LocalHttpRequest<Optional<String>> request(String body) {
        return new LocalHttpRequest<>(URI.create("http://localhost/api/upgrade"), HttpMethod.POST, Map.of(), Map.of(),
                Optional.of(body));
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
