package io.harbormaster.emulator.arm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.EmulatorFixture;
import io.harbormaster.emulator.cloud.StandaloneVm;
import io.harbormaster.emulator.identity.TokenBook;
import java.io.IOException;
import com.sun.net.httpserver.HttpsConfigurator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The emulated ARM's HTTP surface with raw requests: shapes, codes and headers the SDK does not show. */
@Timeout(value = 15, unit = TimeUnit.SECONDS)
class ArmServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String V = "?api-version=" + EmulatorFixture.API_VERSION;

    private EmulatorFixture emulator;
    private String scaleSet;

    @BeforeEach
    void start() throws IOException {
        emulator = new EmulatorFixture().withAgents(EmulatorFixture.agents(3));
        scaleSet = emulator.scaleSetPath();
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> get(String pathAndQuery) {
        return emulator.send("GET", pathAndQuery, null);
    }

    private HttpResponse<String> withAuthorization(String authorization) {
        HttpRequest request = HttpRequest.newBuilder(emulator.arm.endpoint().resolve(scaleSet.substring(1) + V))
                .header("Authorization", authorization).GET().build();
        try {
            return emulator.rawClient().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theScaleSetHasTheSpecShapeWithAQuotedEtagInBodyAndHeader() throws IOException {
        HttpResponse<String> response = get(scaleSet + V);

        assertEquals(200, response.statusCode());
        JsonNode body = json(response);
        assertEquals(scaleSet, body.path("id").asText());
        assertEquals(3, body.path("sku").path("capacity").asInt());
        assertEquals("\"" + body.path("etag").asText().replace("\"", "") + "\"", body.path("etag").asText());
        assertEquals(body.path("etag").asText(), response.headers().firstValue("ETag").orElseThrow());
        assertEquals("Uniform", body.path("properties").path("orchestrationMode").asText());
        assertEquals("agent", body.path("properties").path("virtualMachineProfile").path("osProfile")
                .path("computerNamePrefix").asText());
        assertTrue(body.path("properties").path("virtualMachineProfile").path("osProfile").path("customData").isMissingNode(),
                "ARM does not return customData");
        UUID.fromString(body.path("properties").path("uniqueId").asText());
    }

    @Test
    void pathsMatchCaseInsensitivelyAsArmDoes() {
        assertEquals(200, get(scaleSet.toLowerCase(java.util.Locale.ROOT) + V).statusCode());
        assertEquals(200, get(scaleSet.replace("virtualMachineScaleSets", "VIRTUALMACHINESCALESETS")
                + "/virtualmachines/0/instanceview" + V).statusCode());
    }

    @Test
    void aMissingTokenIs401AuthenticationFailedWithAChallenge() throws IOException {
        HttpRequest request = HttpRequest.newBuilder(emulator.arm.endpoint().resolve(scaleSet.substring(1) + V)).GET().build();
        HttpResponse<String> response;
        try {
            response = emulator.rawClient().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }

        assertEquals(401, response.statusCode());
        assertEquals("AuthenticationFailed", json(response).path("error").path("code").asText());
        assertTrue(response.headers().firstValue("WWW-Authenticate").orElseThrow().startsWith("Bearer authorization_uri="));
    }

    @Test
    void aTokenTheIdentityEndpointDidNotIssueIs401InvalidAuthenticationToken() throws IOException {
        HttpResponse<String> response = withAuthorization("Bearer not-a-token-we-issued");

        assertEquals(401, response.statusCode());
        assertEquals("InvalidAuthenticationToken", json(response).path("error").path("code").asText());
        assertTrue(response.headers().firstValue("WWW-Authenticate").isPresent());
        assertFalse(response.body().contains("not-a-token-we-issued"), "the token is echoed");
    }

    @Test
    void anExpiredOrRevokedTokenIsRefused() throws Exception {
        TokenBook shortLived = new TokenBook(Clock.systemUTC(), Duration.ofSeconds(2));
        try (ArmServer server = new ArmServer(new HttpsConfigurator(EmulatorFixture.tls().serverContext()),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), emulator.cloud, shortLived, new ArmFaults())
                .start()) {
            TokenBook.IssuedToken issued = shortLived.issue();
            HttpRequest request = HttpRequest.newBuilder(server.endpoint().resolve(scaleSet.substring(1) + V))
                    .header("Authorization", "Bearer " + issued.token()).GET().build();
            assertEquals(200, emulator.rawClient().send(request, HttpResponse.BodyHandlers.ofString()).statusCode());

            Thread.sleep(Math.max(0, Duration.between(Instant.now(), issued.expiresOn()).toMillis()) + 50);

            HttpResponse<String> expired = emulator.rawClient().send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(401, expired.statusCode());
            assertEquals("InvalidAuthenticationToken", json(expired).path("error").path("code").asText());
        }

        String token = emulator.token();
        emulator.tokens.revokeAll();
        assertEquals(401, withAuthorization("Bearer " + token).statusCode());
    }

    @Test
    void otherApiVersionsAreRefusedAsArmRefusesThem() throws IOException {
        HttpResponse<String> old = get(scaleSet + "?api-version=2019-07-01");
        assertEquals(400, old.statusCode());
        assertEquals("NoRegisteredProviderFound", json(old).path("error").path("code").asText());

        HttpResponse<String> none = get(scaleSet);
        assertEquals(400, none.statusCode());
        assertEquals("MissingApiVersionParameter", json(none).path("error").path("code").asText());
    }

    @Test
    void aStaleIfMatchIs412PreconditionFailed() throws IOException {
        HttpResponse<String> response = emulator.send("PATCH", scaleSet + V, "{\"sku\":{\"capacity\":4}}",
                "If-Match", "\"999\"");

        assertEquals(412, response.statusCode());
        assertEquals("PreconditionFailed", json(response).path("error").path("code").asText());
        assertEquals(3, emulator.cloud.instances(EmulatorFixture.SCALE_SET).size());
    }

    @Test
    void writesAnswerWithOperationHeadersAndTheStatusDocumentEndsSucceeded() throws Exception {
        emulator.faults.retryAfter(Duration.ofSeconds(1));
        emulator.faults.slowOperations(Duration.ofMillis(300));

        HttpResponse<String> accepted = emulator.send("POST", scaleSet + "/deallocate" + V, "{\"instanceIds\":[\"1\"]}");

        assertEquals(202, accepted.statusCode());
        assertEquals("1", accepted.headers().firstValue("Retry-After").orElseThrow());
        URI async = URI.create(accepted.headers().firstValue("Azure-AsyncOperation").orElseThrow());
        URI location = URI.create(accepted.headers().firstValue("Location").orElseThrow());
        assertTrue(async.getPath().matches("/subscriptions/[^/]+/providers/Microsoft.Compute/locations/westeurope/operations/[0-9a-f-]{36}"),
                async.toString());
        JsonNode running = json(get(async.getRawPath() + "?" + async.getRawQuery()));
        assertEquals("InProgress", running.path("status").asText());
        assertEquals(async.getPath().substring(async.getPath().lastIndexOf('/') + 1), running.path("name").asText());
        assertEquals(202, get(location.getRawPath() + "?" + location.getRawQuery()).statusCode());

        Thread.sleep(600);
        JsonNode done = json(get(async.getRawPath() + "?" + async.getRawQuery()));
        assertEquals("Succeeded", done.path("status").asText());
        assertTrue(done.path("startTime").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{7}\\+00:00"));
        assertTrue(done.has("endTime"));
        assertEquals(200, get(location.getRawPath() + "?" + location.getRawQuery()).statusCode());
        assertEquals("deallocated", emulator.cloud.instance(EmulatorFixture.SCALE_SET, "1").powerState());
    }

    @Test
    void anInstanceAnotherOperationIsChangingIs409() throws IOException {
        emulator.faults.slowOperations(Duration.ofSeconds(30));
        assertEquals(202, emulator.send("POST", scaleSet + "/restart" + V, "{\"instanceIds\":[\"0\"]}").statusCode());

        HttpResponse<String> second = emulator.send("POST", scaleSet + "/deallocate" + V, "{\"instanceIds\":[\"0\"]}");

        assertEquals(409, second.statusCode());
        assertEquals("Conflict", json(second).path("error").path("code").asText());
    }

    @Test
    void theListIsPagedByNextLinkWithSkipTokenAndCarriesItsApiVersion() throws IOException {
        emulator.faults.pageSize(2);

        JsonNode first = json(get(scaleSet + "/virtualMachines" + V + "&$expand=instanceView"));
        assertEquals(2, first.path("value").size());
        URI next = URI.create(first.path("nextLink").asText());
        assertTrue(next.getQuery().contains("api-version=2025-04-01"), next.toString());
        assertTrue(next.getQuery().contains("$skiptoken="), next.toString());
        assertTrue(next.getQuery().contains("$expand=instanceView"), next.toString());
        JsonNode second = json(get(next.getRawPath() + "?" + next.getRawQuery()));

        assertEquals(1, second.path("value").size());
        assertTrue(second.path("nextLink").isMissingNode());
        JsonNode vm = second.path("value").get(0);
        assertEquals("2", vm.path("instanceId").asText());
        assertEquals("harbormaster-agents_2", vm.path("name").asText());
        assertEquals("PowerState/running", vm.path("properties").path("instanceView").path("statuses").get(1).path("code").asText());
        assertEquals(1000, new ArmFaults().pageSize(), "the default page size");
    }

    @Test
    void injectedAnswersHitTheNextMatchingRequestsAndEveryRequestIsRecorded() throws IOException {
        emulator.arm.clearRequests();
        emulator.faults.throttleNext(1, Duration.ofSeconds(7));
        emulator.faults.refuseNext(409, "SkuNotAvailable", "The requested size is not available.", "PATCH", null);

        HttpResponse<String> throttled = get(scaleSet + V);
        assertEquals(429, throttled.statusCode());
        assertEquals("7", throttled.headers().firstValue("Retry-After").orElseThrow());
        assertEquals(200, get(scaleSet + V).statusCode(), "the refusal waits for a PATCH");
        HttpResponse<String> refused = emulator.send("PATCH", scaleSet + V, "{\"sku\":{\"capacity\":5}}");
        assertEquals(409, refused.statusCode());
        assertEquals("SkuNotAvailable", json(refused).path("error").path("code").asText());

        List<ArmCall> calls = emulator.arm.requests();
        assertEquals(List.of("GET", "GET", "PATCH"), calls.stream().map(ArmCall::method).toList());
        assertEquals(List.of(429, 200, 409), calls.stream().map(ArmCall::status).toList());
        assertEquals(scaleSet + V, calls.get(0).pathAndQuery());
    }

    @Test
    void simulateEvictionIs204WithoutOperationHeaders() throws IOException {
        emulator.close();
        emulator = new EmulatorFixture(Duration.ofMillis(100))
                .withAgents(EmulatorFixture.agents(1).withSpot("Deallocate"));

        HttpResponse<String> response = emulator.send("POST", scaleSet + "/virtualMachines/0/simulateEviction" + V, null);

        assertEquals(204, response.statusCode());
        assertTrue(response.headers().firstValue("Azure-AsyncOperation").isEmpty());
        assertEquals("Preempt", emulator.cloud.scheduledEvents().get(0).eventType());
    }

    @Test
    void standaloneManagersAnswerGetAndInstanceView() throws IOException {
        emulator.cloud.addStandaloneVm(new StandaloneVm("manager-1", UUID.randomUUID().toString(), "manager1",
                InetAddress.getLoopbackAddress(), "westeurope", "Standard_B2s", ""));
        String vm = "/subscriptions/" + EmulatorFixture.SUBSCRIPTION + "/resourceGroups/" + EmulatorFixture.RESOURCE_GROUP
                + "/providers/Microsoft.Compute/virtualMachines/manager-1";

        JsonNode body = json(get(vm + V));
        assertEquals("manager1", body.path("properties").path("osProfile").path("computerName").asText());
        JsonNode view = json(get(vm + "/instanceView" + V));
        assertEquals("PowerState/running", view.path("statuses").get(1).path("code").asText());
        assertEquals(404, get(vm.replace("manager-1", "manager-9") + V).statusCode());
    }

    @Test
    void unknownSubscriptionsAndResourceGroupsAre404() throws IOException {
        HttpResponse<String> group = get(scaleSet.replace(EmulatorFixture.RESOURCE_GROUP, "other-rg") + V);
        assertEquals(404, group.statusCode());
        assertEquals("ResourceGroupNotFound", json(group).path("error").path("code").asText());
        HttpResponse<String> missing = get(scaleSet + "x" + V);
        assertEquals("ResourceNotFound", json(missing).path("error").path("code").asText());
    }
}
