package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.capacity.CapacityCheck;
import io.harbormaster.capacity.CapacityPolicy;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.local.LocalExecutionContext;
import io.harbormaster.local.LocalHttpRequest;
import io.harbormaster.metrics.ControlPlaneMetrics;
import io.harbormaster.swarm.JoinTicketCache;
import io.harbormaster.swarm.JoinTokenRotation;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.testsupport.InMemoryCapacityState;
import io.harbormaster.testsupport.InMemoryDrainQueue;
import io.harbormaster.testsupport.InMemoryDrainStatusStore;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.MutableClock;
import java.lang.reflect.Method;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rotation route and timer, and the operator routes' auth levels, as adapters over the in-memory ports. */
class JoinTokenRotationFunctionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");

    private final MutableClock clock = new MutableClock(T0);
    private final InMemorySwarm swarm = new InMemorySwarm(clock);
    private final JoinTicketCache tickets = new JoinTicketCache(swarm, clock);
    private final JoinTokenRotationFunction function = new JoinTokenRotationFunction(
            new JoinTokenRotation(swarm, tickets, Optional.of(Duration.ofDays(7)), clock, AuditTrail.NONE));

    JoinTokenRotationFunctionTest() {
        swarm.addManager("manager-1");
    }

    private HttpResponseMessage call(HttpMethod method, String body) {
        var request = new LocalHttpRequest<>(URI.create("http://localhost/api/swarm/rotate-join-tokens"),
                method, Map.of(), Map.of(), Optional.ofNullable(body));
        return function.rotate(request, LocalExecutionContext.newInvocation("rotateJoinTokens", null, null));
    }

    private static JsonNode body(HttpResponseMessage response) throws Exception {
        return JSON.readTree(String.valueOf(response.getBody()));
    }

    @Test
    void postRotatesBothByDefaultAndSaysWhichAndWhenNeverTheTokens() throws Exception {
        String workerBefore = tickets.ticket(SwarmRole.WORKER).token();
        for (String empty : new String[] {null, "", "{}", "{\"role\":null}"}) {
            HttpResponseMessage response = call(HttpMethod.POST, empty);
            assertEquals(200, response.getStatusCode(), String.valueOf(empty));
            assertEquals("[\"worker\",\"manager\"]", body(response).path("rotated").toString());
            assertEquals(T0.toString(), body(response).path("at").asText());
            assertFalse(String.valueOf(response.getBody()).contains("SWMTKN"), "no token in the reply");
            assertEquals("no-store", response.getHeader("Cache-Control"));
        }
        assertEquals(4, swarm.portRotations());
        String workerAfter = tickets.ticket(SwarmRole.WORKER).token();
        assertFalse(workerBefore.equals(workerAfter), "the cache serves the new token at once");
        assertEquals(swarm.joinTicket(SwarmRole.WORKER).token(), workerAfter);
    }

    @Test
    void oneRoleOrBoth() throws Exception {
        assertEquals("[\"manager\"]", body(call(HttpMethod.POST, "{\"role\":\"manager\"}")).path("rotated").toString());
        assertEquals(Map.of(SwarmRole.MANAGER, T0), swarm.joinTokenRecord().rotatedAt());
        assertEquals("[\"worker\"]", body(call(HttpMethod.POST, "{\"role\":\"worker\"}")).path("rotated").toString());
        assertEquals("[\"worker\",\"manager\"]", body(call(HttpMethod.POST, "{\"role\":\"both\"}")).path("rotated").toString());
        assertEquals(3, swarm.portRotations());
    }

    @Test
    void badInputIsA400WithJsonAndRotatesNothing() throws Exception {
        for (String bad : new String[] {"not json", "[]", "\"worker\"", "{\"role\":\"admin\"}", "{\"role\":\"Worker\"}",
                "{\"role\":1}", "{\"role\":\"worker\",\"force\":true}"}) {
            HttpResponseMessage response = call(HttpMethod.POST, bad);
            assertEquals(400, response.getStatusCode(), bad);
            assertEquals("invalid_body", body(response).path("error").asText(), bad);
            assertTrue(body(response).path("message").asText().length() > 10, bad);
        }
        HttpResponseMessage get = call(HttpMethod.GET, null);
        assertEquals(405, get.getStatusCode());
        assertEquals("POST", get.getHeader("Allow"));
        assertEquals(0, swarm.portRotations());
    }

    @Test
    void noManagerIsA503AndChangesNothing() throws Exception {
        swarm.setUnavailable(true);
        HttpResponseMessage response = call(HttpMethod.POST, null);
        assertEquals(503, response.getStatusCode());
        assertEquals("no_manager_reachable", body(response).path("error").asText());
        swarm.setUnavailable(false);
        assertEquals(0, swarm.portRotations());
    }

    @Test
    void theTimerRotatesOnlyWhenDue() {
        var context = LocalExecutionContext.newInvocation("joinTokenRotation", null, null);
        function.onSchedule("{}", context);
        assertEquals(0, swarm.portRotations());
        clock.advance(Duration.ofDays(7));
        function.onSchedule("{}", context);
        function.onSchedule("{}", context);
        assertEquals(1, swarm.portRotations());
        swarm.setUnavailable(true);
        clock.advance(Duration.ofDays(8));
        function.onSchedule("{}", context); // logged, left to the next hour
        swarm.setUnavailable(false);
        assertEquals(1, swarm.portRotations());
    }

    @Test
    void operatorRoutesAreAdminAndOnlyAutoscaleKeepsTheFunctionLevel() throws Exception {
        assertEquals(AuthorizationLevel.ADMIN, level(JoinTokenRotationFunction.class, "rotate"));
        assertEquals(AuthorizationLevel.ADMIN, level(DrainFunction.class, "run"));
        assertEquals(AuthorizationLevel.ADMIN, level(StatusFunction.class, "run"));
        assertEquals(AuthorizationLevel.ADMIN, level(JoinFunction.class, "run"));
        assertEquals(AuthorizationLevel.FUNCTION, level(AutoscaleFunction.class, "run"));
    }

    private static AuthorizationLevel level(Class<?> type, String name) {
        for (Method method : type.getMethods()) {
            if (!method.getName().equals(name)) {
                continue;
            }
            for (var parameter : method.getParameters()) {
                HttpTrigger trigger = parameter.getAnnotation(HttpTrigger.class);
                if (trigger != null) {
                    return trigger.authLevel();
                }
            }
        }
        throw new AssertionError("no HTTP trigger on " + type.getSimpleName() + "." + name);
    }

    @Test
    void theStatusShowsTheClientCertificatesExpiryOnlyWithTls() throws Exception {
        InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);
        InMemoryDrainStatusStore statuses = new InMemoryDrainStatusStore();
        CapacityCheck check = new CapacityCheck(swarm, scaleSet, statuses,
                new DrainRequests(swarm, statuses, new InMemoryDrainQueue(clock), new DrainSettings(Duration.ofSeconds(2),
                        Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofMinutes(15), Duration.ofDays(7)),
                        Optional.of(scaleSet), clock, AuditTrail.NONE),
                new InMemoryCapacityState(clock), CapacityPolicy.DEFAULTS, clock, AuditTrail.NONE, ControlPlaneMetrics.global());
        var request = new LocalHttpRequest<>(URI.create("http://localhost/api/status"), HttpMethod.GET, Map.of(),
                Map.of(), Optional.<String>empty());
        var context = LocalExecutionContext.newInvocation("status", null, null);

        Instant notAfter = T0.plus(Duration.ofDays(41)).plus(Duration.ofHours(23));
        JsonNode withTls = body(new StatusFunction(Optional.of(check), Optional.of(notAfter), clock).run(request, context));
        assertEquals(notAfter.toString(), withTls.at("/dockerTls/clientCertificateNotAfter").asText());
        assertEquals(41, withTls.at("/dockerTls/clientCertificateDaysLeft").asLong());
        assertFalse(withTls.at("/dockerTls/clientCertificateExpired").asBoolean());
        assertTrue(withTls.has("nodes"), "the rest of the status is still there");

        clock.advance(Duration.ofDays(43));
        JsonNode expired = body(new StatusFunction(Optional.of(check), Optional.of(notAfter), clock).run(request, context));
        assertEquals(-2, expired.at("/dockerTls/clientCertificateDaysLeft").asLong());
        assertTrue(expired.at("/dockerTls/clientCertificateExpired").asBoolean());

        JsonNode local = body(new StatusFunction(Optional.of(check), Optional.empty(), clock).run(request, context));
        assertFalse(local.has("dockerTls"), "absent without TLS");
    }
}
