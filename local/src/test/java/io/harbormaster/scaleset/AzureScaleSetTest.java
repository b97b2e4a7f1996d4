package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.TokenCredential;
import com.azure.identity.CredentialUnavailableException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.harbormaster.scaleset.ArmTestServer.RecordedRequest;
import io.harbormaster.scaleset.ScaleSetInstance.PowerState;
import io.harbormaster.scaleset.ScaleSetModel.OrchestrationMode;
import io.harbormaster.testsupport.SelfSignedTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/**
 * The real azure-resourcemanager-compute client, configured as in production, against {@link ArmTestServer}. The
 * timeout also guards the poll interval: were it left at the SDK's 30 s, every write would outlast it.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class AzureScaleSetTest {
    private static final String TOKEN = ArmTestServer.TOKEN;
    private static final SelfSignedTls TLS = SelfSignedTls.forLoopback();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ArmCallPolicy FAST = ArmTestServer.FAST_POLICY;

    private ArmTestServer arm;
    private AzureScaleSet scaleSet;

    @BeforeEach
    void start() throws IOException {
        arm = ArmTestServer.start(TLS);
        arm.addInstances("PowerState/running", "PowerState/running", "PowerState/deallocated",
                "PowerState/starting", "PowerState/stopped");
        scaleSet = connect(arm.endpoint(), FAST);
    }

    @AfterEach
    void stop() {
        arm.close();
    }

    private static AzureScaleSet connect(URI endpoint, ArmCallPolicy policy) {
        return connect(endpoint, policy, ArmTestServer.FIXED_TOKEN);
    }

    private static AzureScaleSet connect(URI endpoint, ArmCallPolicy policy, TokenCredential credential) {
        return ArmTestServer.client(endpoint, TLS, policy, credential);
    }

    private List<RecordedRequest> requests(String method, String pathSuffix) {
        return arm.requests().stream().filter(r -> r.is(method, pathSuffix)).toList();
    }

    private long operationPolls() {
        return arm.requests().stream().filter(RecordedRequest::isOperationPoll).count();
    }

    private static void assertNoToken(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(TOKEN), "a message carries the token: " + t);
        }
    }

    @Test
    void describeReadsCapacitySkuModeStateAndEtag() {
        ScaleSetModel model = scaleSet.describe();

        assertEquals("/subscriptions/" + ArmTestServer.SUBSCRIPTION + "/resourceGroups/" + ArmTestServer.RESOURCE_GROUP
                + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + ArmTestServer.SCALE_SET, model.id());
        assertEquals(ArmTestServer.SCALE_SET, model.name());
        assertEquals(5, model.capacity());
        assertEquals(ArmTestServer.SKU, model.sku());
        assertEquals(OrchestrationMode.UNIFORM, model.orchestrationMode());
        assertEquals("Succeeded", model.provisioningState());
        assertEquals(arm.etag(), model.etag());
        RecordedRequest get = requests("GET", ArmTestServer.SCALE_SET).get(0);
        assertEquals(ArmTestServer.API_VERSION, get.query().get("api-version"));
    }

    @Test
    void instancesAreReadAcrossPagesWithPowerStateNameProtectionAndCreationTime() {
        arm.instance("1").protectFromScaleIn = true;
        arm.instance("2").protectFromScaleIn = false;

        List<ScaleSetInstance> instances = scaleSet.instances();

        assertEquals(List.of("0", "1", "2", "3", "4"), instances.stream().map(ScaleSetInstance::instanceId).toList());
        assertEquals(List.of(PowerState.RUNNING, PowerState.RUNNING, PowerState.DEALLOCATED, PowerState.STARTING, PowerState.STOPPED),
                instances.stream().map(ScaleSetInstance::powerState).toList());
        assertEquals(List.of(false, true, false, false, false),
                instances.stream().map(ScaleSetInstance::protectedFromScaleIn).toList());
        ScaleSetInstance first = instances.get(0);
        assertEquals("agent000000", first.computerName());
        assertEquals("Succeeded", first.provisioningState());
        assertEquals(Instant.parse("2025-03-01T09:00:00Z"), first.createdAt());
        assertEquals(Instant.parse("2025-03-01T09:04:00Z"), instances.get(4).createdAt());
        // Page size 2: the first page and two nextLinks, each asking for the instance view that holds the power state.
        List<RecordedRequest> pages = requests("GET", "/virtualMachines");
        assertEquals(3, pages.size());
        pages.forEach(page -> assertEquals("instanceView", page.query().get("$expand"), page.toString()));
        assertEquals(List.of("2", "4"), pages.stream().skip(1).map(page -> page.query().get("$skiptoken")).toList());
    }

    @Test
    void setCapacitySendsTheEtagAndCapacityAndWaitsForTheOperation() throws IOException {
        ScaleSetModel model = scaleSet.describe();

        scaleSet.setCapacity(7, model.etag());

        assertEquals(7, arm.capacity());
        // The fixture creates the instances only when the operation's status says Succeeded.
        assertEquals(7, arm.instanceIds().size());
        RecordedRequest patch = requests("PATCH", ArmTestServer.SCALE_SET).get(0);
        assertEquals(model.etag(), patch.ifMatch());
        assertEquals(JSON.readTree("{\"sku\":{\"capacity\":7}}"), JSON.readTree(patch.body()));
        assertEquals(2, operationPolls(), "one InProgress and one Succeeded poll");
        assertEquals(7, scaleSet.describe().capacity());
    }

    @Test
    void aStaleEtagIsAConflictAndChangesNothing() {
        String stale = scaleSet.describe().etag();
        scaleSet.setCapacity(6, stale);
        arm.clearRequests();

        ScaleSetConflictException e = assertThrows(ScaleSetConflictException.class, () -> scaleSet.setCapacity(8, stale));

        assertTrue(e.retryable());
        assertTrue(e.getMessage().contains("412"), e.getMessage());
        assertEquals(6, arm.capacity());
        assertEquals(6, arm.instanceIds().size());
        assertEquals(1, requests("PATCH", ArmTestServer.SCALE_SET).size(), "a 412 is not retried");
        assertEquals(0, operationPolls());
    }

    @Test
    void deleteInstancesDeletesExactlyTheNamedOnesAndWaits() throws IOException {
        scaleSet.deleteInstances(List.of("3", "1"));

        assertEquals(List.of("0", "2", "4"), arm.instanceIds());
        assertEquals(3, arm.capacity());
        RecordedRequest post = requests("POST", "/delete").get(0);
        assertEquals(JSON.readTree("{\"instanceIds\":[\"1\",\"3\"]}"), JSON.readTree(post.body()));
        assertEquals(ArmTestServer.API_VERSION, post.query().get("api-version"));
        assertEquals(2, operationPolls());
        assertEquals(List.of("0", "2", "4"),
                scaleSet.instances().stream().map(ScaleSetInstance::instanceId).toList());
    }

    @Test
    void deletingAnInstanceThatIsAlreadyGoneSucceedsAndStillDeletesTheOthers() throws IOException {
        scaleSet.deleteInstances(List.of("1", "9"));

        assertEquals(List.of("0", "2", "3", "4"), arm.instanceIds());
        List<RecordedRequest> posts = requests("POST", "/delete");
        assertEquals(2, posts.size(), "the request ARM refused, then one without the missing id");
        assertEquals(JSON.readTree("{\"instanceIds\":[\"1\"]}"), JSON.readTree(posts.get(1).body()));

        arm.clearRequests();
        scaleSet.deleteInstances(List.of("1", "9"));
        assertEquals(List.of("0", "2", "3", "4"), arm.instanceIds());
        assertEquals(1, requests("POST", "/delete").size(), "nothing left to delete, so no second request");
    }

    @Test
    void aThrottledRequestIsRetriedAfterTheRetryAfterDelay() {
        scaleSet.describe();
        arm.clearRequests();
        arm.answerNext(1, 429, "1");

        ScaleSetModel model = scaleSet.describe();

        assertEquals(5, model.capacity());
        List<RecordedRequest> gets = requests("GET", ArmTestServer.SCALE_SET);
        assertEquals(2, gets.size());
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(gets.get(1).receivedAtNanos() - gets.get(0).receivedAtNanos());
        assertTrue(waitedMillis >= 950, "retried after " + waitedMillis + " ms, before Retry-After: 1 had passed");
    }

    @Test
    void aRetryAfterLongerThanThePolicyAllowsFailsAtOnceAsRetryable() {
        arm.answerNext(1, 429, "120");

        ScaleSetException e = assertThrows(ScaleSetException.class, scaleSet::describe);

        assertTrue(e.retryable());
        assertEquals("SubscriptionRequestsThrottled", e.errorCode().orElseThrow());
        assertTrue(e.getMessage().contains("120s"), e.getMessage());
        assertEquals(1, arm.requests().size());
        assertNoToken(e);
    }

    @Test
    void throttlingThatOutlastsTheRetriesIsRetryable() {
        arm.answerNext(4, 429, "0");

        ScaleSetException e = assertThrows(ScaleSetException.class, scaleSet::describe);

        assertTrue(e.retryable());
        assertTrue(e.getMessage().contains("HTTP 429"), e.getMessage());
        assertEquals(4, arm.requests().size(), "the first try and three retries");
    }

    @Test
    void serverErrorsAreRetryableAndClientErrorsAreNot() {
        arm.answerNext(4, 503, null);
        ScaleSetException unavailable = assertThrows(ScaleSetException.class, scaleSet::describe);
        assertTrue(unavailable.retryable());
        assertEquals(4, arm.requests().size());

        arm.clearRequests();
        arm.answerNext(1, 400, null);
        ScaleSetException refused = assertThrows(ScaleSetException.class, scaleSet::describe);
        assertFalse(refused.retryable());
        assertEquals("Error400", refused.errorCode().orElseThrow());
        assertEquals(1, arm.requests().size(), "a 400 is not retried");
    }

    @Test
    void anUnreachableEndpointIsRetryable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        AzureScaleSet unreachable = connect(URI.create("https://127.0.0.1:" + closedPort + "/"), FAST);

        ScaleSetException e = assertThrows(ScaleSetException.class, unreachable::describe);

        assertTrue(e.retryable(), e.getMessage());
        assertNoToken(e);
    }

    @Test
    void aFailedOperationCarriesItsCodeAndMessage() {
        String etag = scaleSet.describe().etag();
        arm.failNextOperation("AllocationFailed", "Allocation failed. We do not have sufficient capacity for the requested VM size in this region.");

        ScaleSetException e = assertThrows(ScaleSetException.class, () -> scaleSet.setCapacity(9, etag));

        assertEquals("AllocationFailed", e.errorCode().orElseThrow());
        assertTrue(e.getMessage().contains("AllocationFailed"), e.getMessage());
        assertTrue(e.getMessage().contains("sufficient capacity"), e.getMessage());
        assertTrue(e.retryable());
        assertEquals(5, arm.instanceIds().size());

        arm.failNextOperation("QuotaExceeded", "Operation could not be completed as it results in exceeding approved standardDSv3Family Cores quota.");
        ScaleSetException quota = assertThrows(ScaleSetException.class, () -> scaleSet.deleteInstances(List.of("0")));
        assertEquals("QuotaExceeded", quota.errorCode().orElseThrow());
        assertFalse(quota.retryable());
        assertEquals(5, arm.instanceIds().size());
    }

    @Test
    void protectionFromScaleInIsSetAndClearedOnOneInstance() throws IOException {
        scaleSet.protectFromScaleIn("2", true);

        assertEquals(true, arm.instance("2").protectFromScaleIn);
        RecordedRequest put = requests("PUT", "/virtualMachines/2").get(0);
        assertEquals(JSON.readTree("{\"properties\":{\"protectionPolicy\":{\"protectFromScaleIn\":true}}}"),
                JSON.readTree(put.body()));
        assertEquals(2, operationPolls());
        assertEquals(List.of(false, false, true, false, false),
                scaleSet.instances().stream().map(ScaleSetInstance::protectedFromScaleIn).toList());

        scaleSet.protectFromScaleIn("2", false);
        assertEquals(false, arm.instance("2").protectFromScaleIn);

        ScaleSetException missing = assertThrows(ScaleSetException.class, () -> scaleSet.protectFromScaleIn("42", true));
        assertFalse(missing.retryable());
        assertEquals("NotFound", missing.errorCode().orElseThrow());
    }

    @Test
    void aFlexibleScaleSetIsRejectedWithAClearMessage() {
        arm.orchestrationMode("Flexible");

        assertEquals(OrchestrationMode.FLEXIBLE, scaleSet.describe().orchestrationMode());
        ScaleSetException e = assertThrows(ScaleSetException.class, scaleSet::instances);

        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("flexible orchestration"), e.getMessage());
        assertTrue(e.getMessage().contains("needs Uniform"), e.getMessage());
        assertThrows(ScaleSetException.class, () -> scaleSet.deleteInstances(List.of("1")));
        assertThrows(ScaleSetException.class, () -> scaleSet.protectFromScaleIn("1", true));
        assertEquals(List.of(), requests("GET", "/virtualMachines"));
        assertEquals(List.of(), requests("POST", "/delete"));
        assertEquals(5, arm.instanceIds().size());
    }

    @Test
    void everyRequestCarriesTheBearerTokenOverHttps() {
        scaleSet.describe();
        scaleSet.instances();
        scaleSet.deleteInstances(List.of("4"));

        List<RecordedRequest> requests = arm.requests();
        assertTrue(requests.size() >= 6, requests.toString());
        requests.forEach(request -> assertEquals("Bearer " + TOKEN, request.authorization(), request.toString()));
    }

    @Test
    void theTokenIsNeverSentOverPlainHttp() throws IOException {
        List<String> authorizations = new CopyOnWriteArrayList<>();
        HttpServer plain = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        plain.createContext("/", exchange -> {
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        plain.start();
        try {
            AzureScaleSet overHttp = connect(URI.create("http://127.0.0.1:" + plain.getAddress().getPort() + "/"), FAST);

            ScaleSetException e = assertThrows(ScaleSetException.class, overHttp::describe);

            assertNotNull(e.getMessage());
            assertNoToken(e);
            assertTrue(authorizations.stream().noneMatch(value -> value.contains(TOKEN)), authorizations.toString());
        } finally {
            plain.stop(0);
        }
    }

    @Test
    void aCredentialWithoutATokenFailsAtOnceAndIsNotRetryable() {
        AtomicInteger tokenRequests = new AtomicInteger();
        AzureScaleSet withoutIdentity = connect(arm.endpoint(), FAST, request -> {
            tokenRequests.incrementAndGet();
            return Mono.error(new CredentialUnavailableException("ManagedIdentityCredential: no managed identity endpoint"));
        });

        ScaleSetException e = assertThrows(ScaleSetException.class, withoutIdentity::describe);

        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("managed identity"), e.getMessage());
        assertEquals(1, tokenRequests.get(), "a credential that cannot give a token is not asked again");
        assertEquals(List.of(), arm.requests());
    }

    @Test
    void argumentsThatCannotNameUniformInstancesAreRefusedBeforeAnyCall() {
        assertThrows(IllegalArgumentException.class, () -> scaleSet.deleteInstances(List.of("1", "../2")));
        assertThrows(IllegalArgumentException.class, () -> scaleSet.protectFromScaleIn("agent000001", true));
        assertThrows(IllegalArgumentException.class, () -> scaleSet.setCapacity(6, " "));
        assertThrows(IllegalArgumentException.class, () -> scaleSet.setCapacity(-1, arm.etag()));
        scaleSet.deleteInstances(List.of());
        assertEquals(List.of(), arm.requests());
    }

    @Test
    void failuresAreScaleSetExceptionsWhoseCauseIsTheSdkError() {
        arm.answerNext(1, 400, null);
        ScaleSetException e = assertThrows(ScaleSetException.class, scaleSet::describe);
        assertInstanceOf(com.azure.core.management.exception.ManagementException.class, e.getCause());
    }
}
