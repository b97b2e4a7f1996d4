package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.local.LocalExecutionContext;
import io.harbormaster.local.LocalHttpRequest;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.testsupport.InMemoryDrainQueue;
import io.harbormaster.testsupport.InMemoryDrainStatusStore;
import io.harbormaster.testsupport.InMemoryMachineDirectory;
import io.harbormaster.testsupport.InMemoryReplayGuard;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.MutableClock;
import io.harbormaster.trust.AttestationVerifier;
import io.harbormaster.trust.CallerRights;
import io.harbormaster.trust.MachineIndex;
import io.harbormaster.trust.NodeAuthority;
import io.harbormaster.trust.NodeCredentials;
import io.harbormaster.trust.NonceBook;
import io.harbormaster.trust.RateLimits;
import io.harbormaster.trust.TestPki;
import io.harbormaster.trust.TrustAudit;
import io.harbormaster.trust.TrustKey;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node routes as adapters: parsing, the refusals' statuses and headers, audit lines, and that refusals change nothing. */
class NodeFunctionsTest {
    private static final TestPki PKI = new TestPki();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final InMemorySwarm swarm = new InMemorySwarm(clock);
    private final InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);
    private final InMemoryDrainStatusStore statuses = new InMemoryDrainStatusStore();
    private final DrainRequests drains = new DrainRequests(swarm, statuses, new InMemoryDrainQueue(clock),
            new DrainSettings(Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofMinutes(15),
                    Duration.ofDays(7)), Optional.of(scaleSet), clock, AuditTrail.NONE);
    private final TrustKey key = TrustKey.generate();
    private final NodeAuthority authority = new NodeAuthority(
            new AttestationVerifier(PKI.anchors(), "metadata.azure.com", TestPki.SUBSCRIPTION, clock),
            new NonceBook(key, Duration.ofMinutes(2), clock), new InMemoryReplayGuard(),
            new MachineIndex(new InMemoryMachineDirectory(scaleSet), clock),
            new NodeCredentials(key, Duration.ofHours(1), clock),
            new RateLimits(2, System::nanoTime), new RateLimits(5, System::nanoTime),
            new CallerRights.DrainBounds(Duration.ofSeconds(10), Duration.ofMinutes(30), Duration.ofMinutes(10)), clock);
    private final ScaleSetInstance agent = scaleSet.addInstance("agent000001");
    private final List<String> audit = new ArrayList<>();
    private final Handler auditHandler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            audit.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    NodeFunctionsTest() {
        swarm.addManager("master0");
        swarm.addWorker("agent000001");
        swarm.addWorker("agent000002");
        Logger.getLogger(TrustAudit.LOGGER).addHandler(auditHandler);
    }

    @AfterEach
    void removeHandler() {
        Logger.getLogger(TrustAudit.LOGGER).removeHandler(auditHandler);
    }

    private static HttpResponseMessage call(Object function, HttpMethod method, String route, String body,
            Map<String, String> headers) {
        LocalHttpRequest<Optional<String>> request = new LocalHttpRequest<>(URI.create("http://localhost/api/" + route),
                method, headers, Map.of(), Optional.ofNullable(body));
        var context = LocalExecutionContext.newInvocation(route, null, null);
        if (function instanceof NodeNonceFunction nonce) {
            return nonce.run(request, context);
        }
        if (function instanceof NodeJoinFunction join) {
            return join.run(request, context);
        }
        return ((NodeDrainFunction) function).run(request, context);
    }

    private NodeJoinFunction join() {
        return new NodeJoinFunction(new io.harbormaster.swarm.JoinTicketCache(swarm, java.time.Clock.systemUTC()), Optional.of(authority));
    }

    private NodeDrainFunction drain() {
        return new NodeDrainFunction(drains, Optional.of(authority));
    }

    private String credential() throws Exception {
        String nonce = authority.nonce();
        ObjectNode body = JSON.createObjectNode().put("nonce", nonce);
        body.set("attestation", PKI.attested(TestPki.content(nonce, agent.vmId(), TestPki.SUBSCRIPTION, clock.instant(),
                Duration.ofHours(6))));
        HttpResponseMessage joined = call(join(), HttpMethod.POST, "node/join", body.toString(), Map.of());
        assertEquals(200, joined.getStatusCode(), String.valueOf(joined.getBody()));
        JsonNode reply = JSON.readTree(String.valueOf(joined.getBody()));
        assertEquals("SWMTKN-1-worker", reply.path("token").asText());
        assertEquals(List.of("master0:2377"), List.of(reply.path("managers").get(0).asText()));
        assertEquals("agent000001", reply.path("machine").path("computerName").asText());
        assertEquals("no-store", joined.getHeader("Cache-Control"));
        return reply.path("credential").asText();
    }

    private static JsonNode assertError(HttpResponseMessage response, int status, String code) throws Exception {
        assertEquals(status, response.getStatusCode(), String.valueOf(response.getBody()));
        JsonNode body = JSON.readTree(String.valueOf(response.getBody()));
        assertEquals(code, body.path("error").asText(), body.toString());
        assertFalse(body.path("message").asText().isEmpty());
        return body;
    }

    @Test
    void withoutAttestationConfiguredTheRoutesAnswer503() throws Exception {
        HttpResponseMessage response = call(new NodeNonceFunction(Optional.empty()), HttpMethod.GET, "node/nonce", null,
                Map.of());
        assertError(response, 503, "attestation_not_configured");
        assertEquals("60", response.getHeader("Retry-After"));
        assertError(call(new NodeJoinFunction(new io.harbormaster.swarm.JoinTicketCache(swarm, java.time.Clock.systemUTC()), Optional.empty()), HttpMethod.POST, "node/join", "{}", Map.of()),
                503, "attestation_not_configured");
    }

    @Test
    void aNonceIsTenDigitsAsJsonOrText() throws Exception {
        HttpResponseMessage json = call(new NodeNonceFunction(Optional.of(authority)), HttpMethod.GET, "node/nonce", null,
                Map.of());
        assertTrue(JSON.readTree(String.valueOf(json.getBody())).path("nonce").asText().matches("[0-9]{10}"));
        HttpResponseMessage text = call(new NodeNonceFunction(Optional.of(authority)), HttpMethod.GET, "node/nonce", null,
                Map.of("accept", "text/plain"));
        assertTrue(String.valueOf(text.getBody()).matches("[0-9]{10}\n"));
        assertError(call(new NodeNonceFunction(Optional.of(authority)), HttpMethod.POST, "node/nonce", null, Map.of()),
                405, "method_not_allowed");
    }

    @Test
    void anAgentJoinsAsAWorkerAndIsRefusedTheManagerTicketWithAnAuditLine() throws Exception {
        String credential = credential();
        Map<String, String> bearer = Map.of("authorization", "Bearer " + credential);
        HttpResponseMessage text = call(join(), HttpMethod.POST, "node/join", "{\"role\":\"worker\"}",
                Map.of("authorization", "Bearer " + credential, "accept", "text/plain"));
        assertEquals("SWMTKN-1-worker master0:2377\n", text.getBody(), "no new credential without an attestation");
        assertError(call(join(), HttpMethod.POST, "node/join", "{\"role\":\"manager\"}", bearer), 403, "forbidden");
        assertTrue(audit.stream().anyMatch(line -> line.startsWith("audit refused route=node/join")
                && line.contains("vmId " + agent.vmId()) && line.contains("code=forbidden")), audit.toString());
        assertTrue(audit.stream().noneMatch(line -> line.contains(credential)), "no credential in the audit");
    }

    @Test
    void refusalsCarryTheirHeaders() throws Exception {
        HttpResponseMessage missing = call(join(), HttpMethod.POST, "node/join", "{}", Map.of());
        assertError(missing, 401, "attestation_required");
        assertTrue(missing.getHeader("WWW-Authenticate").startsWith("Bearer"));
        assertError(call(join(), HttpMethod.POST, "node/join", "{", Map.of()), 400, "invalid_body");
        assertError(call(join(), HttpMethod.POST, "node/join", "{\"role\":\"admin\"}", Map.of()), 400, "invalid_body");
        assertError(call(join(), HttpMethod.POST, "node/join", "{\"colour\":1}", Map.of()), 400, "invalid_body");
        String credential = credential();
        Map<String, String> bearer = Map.of("authorization", "Bearer " + credential);
        call(join(), HttpMethod.POST, "node/join", "{}", bearer);
        HttpResponseMessage limited = call(join(), HttpMethod.POST, "node/join", "{}", bearer);
        assertError(limited, 429, "rate_limited");
        assertTrue(Integer.parseInt(limited.getHeader("Retry-After")) >= 1);
    }

    @Test
    void anAgentDrainsOnlyItselfAndRefusalsRecordNothing() throws Exception {
        Map<String, String> bearer = Map.of("authorization", "Bearer " + credential());
        assertError(call(drain(), HttpMethod.GET, "node/drain", null, bearer), 404, "no_drain");
        assertError(call(drain(), HttpMethod.POST, "node/drain", "{\"node\":\"agent000002\"}", bearer), 403, "forbidden");
        assertError(call(drain(), HttpMethod.POST, "node/drain", "{\"deleteInstance\":true}", bearer), 403, "forbidden");
        assertError(call(drain(), HttpMethod.POST, "node/drain", "{\"reason\":\"scale-in\"}", bearer), 403, "forbidden");
        assertEquals(0, statuses.writes(), "no refused drain wrote a status");

        HttpResponseMessage accepted = call(drain(), HttpMethod.POST, "node/drain",
                "{\"reason\":\"preempt\",\"deadline\":\"PT1M\"}", bearer);
        assertEquals(202, accepted.getStatusCode(), String.valueOf(accepted.getBody()));
        JsonNode body = JSON.readTree(String.valueOf(accepted.getBody()));
        assertEquals("agent000001", body.path("node").asText());
        assertEquals("preempt", body.path("reason").asText());
        assertFalse(body.path("deleteInstance").asBoolean());
        assertEquals("http://localhost/api/node/drain", accepted.getHeader("Location"));
        HttpResponseMessage status = call(drain(), HttpMethod.GET, "node/drain", null, bearer);
        assertEquals(200, status.getStatusCode());
        assertEquals("requested", JSON.readTree(String.valueOf(status.getBody())).path("state").asText());
    }
}
