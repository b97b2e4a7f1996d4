package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.identity.CredentialUnavailableException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.harbormaster.emulator.EmulatorFixture;
import io.harbormaster.emulator.arm.ArmCall;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.scaleset.ScaleSetInstance.PowerState;
import io.harbormaster.scaleset.ScaleSetModel.OrchestrationMode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
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
 * The real azure-resourcemanager-compute client, configured as in production, against the emulated ARM with
 * in-memory machines. The timeout also guards the poll interval: were it left at the SDK's 30 s, every write would
 * outlast it.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class AzureScaleSetTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ArmCallPolicy FAST = EmulatorFixture.FAST_POLICY;
    private static final Duration WAIT = Duration.ofSeconds(5);

    private EmulatorFixture emulator;
    private String token;
    private AzureScaleSet scaleSet;

    @BeforeEach
    void start() throws IOException {
        emulator = new EmulatorFixture().withAgents(EmulatorFixture.agents(5));
        token = emulator.token();
        scaleSet = connect(emulator.arm.endpoint(), FAST);
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    private AzureScaleSet connect(URI endpoint, ArmCallPolicy policy) {
        return emulator.scaleSet(endpoint, policy, fixedToken());
    }

    /** One token for the whole test, so the tests can look for it in messages. */
    private TokenCredential fixedToken() {
        return request -> Mono.just(new AccessToken(token, OffsetDateTime.now().plusHours(1)));
    }

    private List<ArmCall> requests(String method, String pathSuffix) {
        return emulator.arm.requests().stream().filter(r -> r.is(method, pathSuffix)).toList();
    }

    private long operationPolls() {
        return emulator.arm.requests().stream().filter(ArmCall::isOperationPoll).count();
    }

    private List<String> instanceIds() {
        return emulator.cloud.instances(EmulatorFixture.SCALE_SET).stream().map(InstanceSnapshot::instanceId).toList();
    }

    private long capacity() {
        return emulator.cloud.scaleSet(EmulatorFixture.SCALE_SET).orElseThrow().capacity();
    }

    private String etag() {
        return emulator.cloud.scaleSet(EmulatorFixture.SCALE_SET).orElseThrow().etag();
    }

    private void assertNoToken(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(token), "a message carries the token: " + t);
        }
    }

    @Test
    void describeReadsCapacitySkuModeStateAndEtag() {
        ScaleSetModel model = scaleSet.describe();

        assertEquals(emulator.scaleSetPath(), model.id());
        assertEquals(EmulatorFixture.SCALE_SET, model.name());
        assertEquals(5, model.capacity());
        assertEquals(EmulatorFixture.SKU, model.sku());
        assertEquals(OrchestrationMode.UNIFORM, model.orchestrationMode());
        assertEquals("Succeeded", model.provisioningState());
        assertEquals(etag(), model.etag());
        ArmCall get = requests("GET", EmulatorFixture.SCALE_SET).get(0);
        assertEquals(EmulatorFixture.API_VERSION, get.query().get("api-version"));
    }

    @Test
    void eachInstanceCarriesTheZoneItWasPlacedIn() throws IOException {
        try (EmulatorFixture zonal = new EmulatorFixture()) {
            zonal.withAgents(new io.harbormaster.emulator.cloud.ScaleSetSpec(EmulatorFixture.SCALE_SET,
                    EmulatorFixture.LOCATION, EmulatorFixture.SKU, 3, List.of("1", "2", "3"), "Regular", null,
                    EmulatorFixture.PREFIX, "", null, null));
            List<ScaleSetInstance> instances = zonal.scaleSet().instances();

            List<String> expected = zonal.cloud.instances(EmulatorFixture.SCALE_SET).stream().map(InstanceSnapshot::zone).toList();
            assertEquals(List.of("1", "2", "3"), expected.stream().sorted().toList(), "the emulator spreads them");
            assertEquals(expected, instances.stream().map(ScaleSetInstance::zone).toList());
        }
        assertEquals(java.util.Collections.singletonList(null),
                scaleSet.instances().stream().map(ScaleSetInstance::zone).distinct().toList(), "no zones, no zone");
    }

    @Test
    void instancesAreReadAcrossPagesWithPowerStateNameProtectionAndCreationTime() {
        String ss = EmulatorFixture.SCALE_SET;
        emulator.cloud.deallocate(ss, List.of("2", "3")).await(WAIT);
        emulator.cloud.powerOff(ss, List.of("4"), false).await(WAIT);
        emulator.cloud.updateProtection(ss, "1", new io.harbormaster.emulator.cloud.ProtectionPolicy(true, false)).await(WAIT);
        emulator.cloud.updateProtection(ss, "2", new io.harbormaster.emulator.cloud.ProtectionPolicy(false, false)).await(WAIT);
        // Instance 3 stays "starting" while a slow start runs; the executor's thread is interrupted at close.
        emulator.faults.slowOperations(Duration.ofSeconds(30));
        emulator.cloud.start(ss, List.of("3"));
        emulator.faults.slowOperations(Duration.ZERO);
        emulator.faults.pageSize(2);

        List<ScaleSetInstance> instances = scaleSet.instances();

        assertEquals(List.of("0", "1", "2", "3", "4"), instances.stream().map(ScaleSetInstance::instanceId).toList());
        assertEquals(List.of(PowerState.RUNNING, PowerState.RUNNING, PowerState.DEALLOCATED, PowerState.STARTING, PowerState.STOPPED),
                instances.stream().map(ScaleSetInstance::powerState).toList());
        assertEquals(List.of(false, true, false, false, false),
                instances.stream().map(ScaleSetInstance::protectedFromScaleIn).toList());
        ScaleSetInstance first = instances.get(0);
        assertEquals("agent000000", first.computerName());
        assertEquals("Succeeded", first.provisioningState());
        InstanceSnapshot emulated = emulator.cloud.instance(ss, "0");
        assertTrue(Duration.between(first.createdAt(), emulated.timeCreated()).abs().toNanos() < 1_000,
                first.createdAt() + " vs " + emulated.timeCreated());
        assertFalse(instances.get(4).createdAt().isBefore(first.createdAt()));
        // Page size 2: the first page and two nextLinks, each asking for the instance view that holds the power state.
        List<ArmCall> pages = requests("GET", "/virtualMachines");
        assertEquals(3, pages.size());
        pages.forEach(page -> assertEquals("instanceView", page.query().get("$expand"), page.toString()));
        assertEquals(List.of("1", "3"), pages.stream().skip(1).map(page -> page.query().get("$skiptoken")).toList());
    }

    @Test
    void setCapacitySendsTheEtagAndCapacityAndWaitsForTheOperation() throws IOException {
        ScaleSetModel model = scaleSet.describe();

        scaleSet.setCapacity(7, model.etag());

        assertEquals(7, capacity());
        // The instances exist and run once the operation has succeeded, which is when setCapacity returns.
        assertEquals(7, instanceIds().size());
        assertTrue(emulator.machines.running("harbormaster-agents_6"));
        ArmCall patch = requests("PATCH", EmulatorFixture.SCALE_SET).get(0);
        assertEquals(model.etag(), patch.ifMatch());
        assertEquals(JSON.readTree("{\"sku\":{\"capacity\":7}}"), JSON.readTree(patch.body()));
        assertTrue(operationPolls() >= 1, "the operation was polled");
        assertEquals(7, scaleSet.describe().capacity());
    }

    @Test
    void beginSetCapacityReturnsOnceArmAcceptedItWithoutPolling() throws IOException {
        emulator.faults.slowOperations(Duration.ofSeconds(3));
        ScaleSetModel model = scaleSet.describe();

        scaleSet.beginSetCapacity(7, model.etag());

        assertEquals(0, operationPolls(), "the operation was waited for");
        ArmCall patch = requests("PATCH", EmulatorFixture.SCALE_SET).get(0);
        assertEquals(model.etag(), patch.ifMatch());
        assertEquals(JSON.readTree("{\"sku\":{\"capacity\":7}}"), JSON.readTree(patch.body()));
        ScaleSetModel during = scaleSet.describe();
        assertEquals("Updating", during.provisioningState(), "returned before the operation ended");
        assertEquals(7, during.capacity());
        assertThrows(ScaleSetConflictException.class, () -> scaleSet.beginSetCapacity(8, model.etag()),
                "a stale ETag is refused at once");
    }

    @Test
    void beginDeleteInstancesStartsTheDeleteAndTakesAGoneIdAsDeleted() throws Exception {
        scaleSet.deleteInstances(List.of("1"));
        emulator.arm.clearRequests();
        emulator.faults.slowOperations(Duration.ofSeconds(3));

        scaleSet.beginDeleteInstances(List.of("1", "3"));

        assertEquals(0, operationPolls(), "the operation was waited for");
        ScaleSetInstance three = scaleSet.instances().stream().filter(i -> i.instanceId().equals("3")).findFirst()
                .orElse(null);
        assertTrue(three == null || "Deleting".equals(three.provisioningState()), "instance 3 is not being deleted: " + three);
        ArmCall retried = requests("POST", "/delete").get(requests("POST", "/delete").size() - 1);
        assertEquals(JSON.readTree("{\"instanceIds\":[\"3\"]}"), JSON.readTree(retried.body()));
    }

    @Test
    void beginDeallocateAndBeginStartSendTheInstanceIdsAndDoNotWait() throws Exception {
        emulator.arm.clearRequests();
        scaleSet.beginDeallocate(List.of("1"));
        assertEquals(0, operationPolls(), "the operation was waited for");
        assertEquals(JSON.readTree("{\"instanceIds\":[\"1\"]}"), JSON.readTree(requests("POST", "/deallocate").get(0).body()));
        long capacity = scaleSet.describe().capacity();
        waitForPower("1", PowerState.DEALLOCATED);
        assertEquals(capacity, scaleSet.describe().capacity(), "a deallocated instance still counts in the capacity");

        scaleSet.beginStart(List.of("1"));
        assertEquals(0, operationPolls(), "the operation was waited for");
        assertEquals(JSON.readTree("{\"instanceIds\":[\"1\"]}"), JSON.readTree(requests("POST", "/start").get(0).body()));
        waitForPower("1", PowerState.RUNNING);
    }

    private void waitForPower(String instanceId, PowerState wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        PowerState seen = null;
        while (System.nanoTime() < deadline) {
            seen = scaleSet.instances().stream().filter(i -> i.instanceId().equals(instanceId)).findFirst()
                    .map(ScaleSetInstance::powerState).orElse(null);
            if (seen == wanted) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("instance " + instanceId + " is " + seen + ", not " + wanted);
    }

    @Test
    void aStaleEtagIsAConflictAndChangesNothing() {
        String stale = scaleSet.describe().etag();
        scaleSet.setCapacity(6, stale);
        emulator.arm.clearRequests();

        ScaleSetConflictException e = assertThrows(ScaleSetConflictException.class, () -> scaleSet.setCapacity(8, stale));

        assertTrue(e.retryable());
        assertTrue(e.getMessage().contains("412"), e.getMessage());
        assertEquals(6, capacity());
        assertEquals(6, instanceIds().size());
        assertEquals(1, requests("PATCH", EmulatorFixture.SCALE_SET).size(), "a 412 is not retried");
        assertEquals(0, operationPolls());
    }

    @Test
    void deleteInstancesDeletesExactlyTheNamedOnesAndWaits() throws IOException {
        scaleSet.deleteInstances(List.of("3", "1"));

        assertEquals(List.of("0", "2", "4"), instanceIds());
        assertEquals(3, capacity());
        assertFalse(emulator.machines.exists("harbormaster-agents_1"));
        ArmCall post = requests("POST", "/delete").get(0);
        assertEquals(JSON.readTree("{\"instanceIds\":[\"1\",\"3\"]}"), JSON.readTree(post.body()));
        assertEquals(EmulatorFixture.API_VERSION, post.query().get("api-version"));
        assertTrue(operationPolls() >= 1);
        assertEquals(List.of("0", "2", "4"),
                scaleSet.instances().stream().map(ScaleSetInstance::instanceId).toList());
    }

    /**
     * Real ARM refuses a delete naming an instance that is gone with 400 InvalidParameter, not 404 (microsoft/onefuzz
     * #2547, Azure/azure-cli#25476). Here is the shape; the next test is what AzureScaleSet does with it.
     */
    @Test
    void deletingAnInstanceThatIsGoneIsRefusedWithArmsInvalidParameter() throws IOException {
        scaleSet.deleteInstances(List.of("1"));

        HttpResponse<String> answer = emulator.send("POST", emulator.scaleSetPath() + "/delete?api-version="
                + EmulatorFixture.API_VERSION, "{\"instanceIds\":[\"1\",\"9\"]}");

        assertEquals(400, answer.statusCode());
        JsonNode error = JSON.readTree(answer.body()).path("error");
        assertEquals("InvalidParameter", error.path("code").asText());
        assertEquals("instanceIds", error.path("target").asText());
        assertTrue(error.path("message").asText().contains("is not an active Virtual Machine Scale Set VM instanceId"),
                answer.body());
        assertEquals(List.of("0", "2", "3", "4"), instanceIds(), "a refused request deletes nothing");
    }

    /** An instance Azure is already deleting (listed as Deleting, refused with 400) counts as deleted; the rest go. */
    @Test
    void deletingAnInstanceThatAzureIsStillDeletingSucceedsAndDeletesTheOthers() throws Exception {
        emulator.faults.slowOperations(Duration.ofSeconds(3));
        emulator.cloud.deleteInstances(EmulatorFixture.SCALE_SET, List.of("1"));
        emulator.faults.slowOperations(Duration.ZERO);

        scaleSet.deleteInstances(List.of("1", "3"));

        assertFalse(instanceIds().contains("3"), "the other instance is deleted: " + instanceIds());
    }

    /** A repeated delete after a crash, or a delete racing Azure's own: the gone id counts as deleted, the rest go. */
    @Test
    void deletingAnInstanceThatIsAlreadyGoneSucceedsAndStillDeletesTheOthers() {
        scaleSet.deleteInstances(List.of("1"));

        scaleSet.deleteInstances(List.of("1", "3"));

        assertEquals(List.of("0", "2", "4"), instanceIds());
    }

    @Test
    void aThrottledRequestIsRetriedAfterTheRetryAfterDelay() {
        scaleSet.describe();
        emulator.arm.clearRequests();
        emulator.faults.throttleNext(1, Duration.ofSeconds(1));

        ScaleSetModel model = scaleSet.describe();

        assertEquals(5, model.capacity());
        List<ArmCall> gets = requests("GET", EmulatorFixture.SCALE_SET);
        assertEquals(2, gets.size());
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(gets.get(1).receivedAtNanos() - gets.get(0).receivedAtNanos());
        assertTrue(waitedMillis >= 950, "retried after " + waitedMillis + " ms, before Retry-After: 1 had passed");
    }

    @Test
    void aRetryAfterLongerThanThePolicyAllowsFailsAtOnceAsRetryable() {
        emulator.faults.throttleNext(1, Duration.ofSeconds(120));

        ScaleSetException e = assertThrows(ScaleSetException.class, scaleSet::describe);

        assertTrue(e.retryable());
        assertEquals("SubscriptionRequestsThrottled", e.errorCode().orElseThrow());
        assertTrue(e.getMessage().contains("120s"), e.getMessage());
        assertEquals(1, emulator.arm.requests().size());
        assertNoToken(e);
    }

    @Test
    void throttlingThatOutlastsTheRetriesIsRetryable() {
        emulator.faults.throttleNext(4, Duration.ZERO);

        ScaleSetException e = assertThrows(ScaleSetException.class, scaleSet::describe);

        assertTrue(e.retryable());
        assertTrue(e.getMessage().contains("HTTP 429"), e.getMessage());
        assertEquals(4, emulator.arm.requests().size(), "the first try and three retries");
    }

    @Test
    void serverErrorsAreRetryableAndClientErrorsAreNot() {
        emulator.faults.serverErrorNext(4, 503);
        ScaleSetException unavailable = assertThrows(ScaleSetException.class, scaleSet::describe);
        assertTrue(unavailable.retryable());
        assertEquals(4, emulator.arm.requests().size());

        emulator.arm.clearRequests();
        emulator.faults.refuseNext(400, "InvalidParameter", "Injected refusal.", null, null);
        ScaleSetException refused = assertThrows(ScaleSetException.class, scaleSet::describe);
        assertFalse(refused.retryable());
        assertEquals("InvalidParameter", refused.errorCode().orElseThrow());
        assertEquals(1, emulator.arm.requests().size(), "a 400 is not retried");
    }

    /** Another operation holds the instance: the call fails at once, and the caller's next pass tries again. */
    @Test
    void aConcurrentOperationConflictOnDeleteIsRetryableAndNotRetriedInTheCall() {
        scaleSet.describe();
        emulator.arm.clearRequests();
        emulator.faults.refuseNext(409, "Conflict", "The request failed due to conflict with a concurrent request.",
                "POST", "/delete");

        ScaleSetException e = assertThrows(ScaleSetException.class, () -> scaleSet.deleteInstances(List.of("1")));

        assertTrue(e.retryable(), e.getMessage());
        assertFalse(e instanceof ScaleSetConflictException, "not an ETag conflict: re-reading changes nothing");
        assertEquals("Conflict", e.errorCode().orElseThrow());
        assertTrue(e.getMessage().contains("HTTP 409"), e.getMessage());
        assertEquals(1, requests("POST", "/delete").size(), "the adapter does not wait for the other operation");
        assertEquals(5, instanceIds().size());
        assertNoToken(e);

        scaleSet.deleteInstances(List.of("1"));
        assertEquals(List.of("0", "2", "3", "4"), instanceIds());
    }

    /** Azure is already deleting the instance; its message says to retry the delete, which then finds it gone. */
    @Test
    void aDeleteOfAnInstanceMarkedForDeletionIsRetryable() {
        emulator.faults.refuseNext(409, "OperationNotAllowed", "Operation 'delete' is not allowed on VM"
                + " 'harbormaster-agents_1' since the VM is marked for deletion. You can only retry the Delete operation"
                + " (or wait for an ongoing one to complete).", "POST", "/delete");

        ScaleSetException e = assertThrows(ScaleSetException.class, () -> scaleSet.deleteInstances(List.of("1")));

        assertTrue(e.retryable(), e.getMessage());
        assertEquals("OperationNotAllowed", e.errorCode().orElseThrow());
    }

    @Test
    void aQuotaRefusalWith409OperationNotAllowedIsNotRetryable() {
        String etag = scaleSet.describe().etag();
        emulator.arm.clearRequests();
        emulator.faults.refuseNext(409, "OperationNotAllowed", "Operation could not be completed as it results in"
                + " exceeding approved standardDSv3Family Cores quota.", "PATCH", EmulatorFixture.SCALE_SET);

        ScaleSetException e = assertThrows(ScaleSetException.class, () -> scaleSet.setCapacity(9, etag));

        assertFalse(e.retryable(), e.getMessage());
        assertEquals("OperationNotAllowed", e.errorCode().orElseThrow());
        assertTrue(e.getMessage().contains("quota"), e.getMessage());
        assertEquals(1, requests("PATCH", EmulatorFixture.SCALE_SET).size());
        assertEquals(5, capacity());
    }

    @Test
    void protectingAnInstanceMarkedForDeletionIsNotRetryable() {
        scaleSet.describe();
        emulator.faults.refuseNext(409, "OperationNotAllowed", "Operation 'update' is not allowed on VM"
                + " 'harbormaster-agents_2' since the VM is marked for deletion. You can only retry the Delete operation"
                + " (or wait for an ongoing one to complete).", "PUT", "/virtualMachines/2");

        ScaleSetException e = assertThrows(ScaleSetException.class, () -> scaleSet.protectFromScaleIn("2", true));

        assertFalse(e.retryable(), "the instance is going away; no retry of the protection changes that");
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
        emulator.faults.failNextOperation("AllocationFailed", "Allocation failed. We do not have sufficient capacity for the requested VM size in this region.");

        ScaleSetException e = assertThrows(ScaleSetException.class, () -> scaleSet.setCapacity(9, etag));

        assertEquals("AllocationFailed", e.errorCode().orElseThrow());
        assertTrue(e.getMessage().contains("AllocationFailed"), e.getMessage());
        assertTrue(e.getMessage().contains("sufficient capacity"), e.getMessage());
        assertTrue(e.retryable());
        assertEquals(5, instanceIds().size());

        emulator.faults.failNextOperation("QuotaExceeded", "Operation could not be completed as it results in exceeding approved standardDSv3Family Cores quota.");
        ScaleSetException quota = assertThrows(ScaleSetException.class, () -> scaleSet.deleteInstances(List.of("0")));
        assertEquals("QuotaExceeded", quota.errorCode().orElseThrow());
        assertFalse(quota.retryable());
        assertEquals(5, instanceIds().size());
    }

    @Test
    void protectionFromScaleInIsSetAndClearedOnOneInstance() throws IOException {
        scaleSet.protectFromScaleIn("2", true);

        assertTrue(emulator.cloud.instance(EmulatorFixture.SCALE_SET, "2").protection().protectFromScaleIn());
        ArmCall put = requests("PUT", "/virtualMachines/2").get(0);
        assertEquals(JSON.readTree("{\"properties\":{\"protectionPolicy\":{\"protectFromScaleIn\":true}}}"),
                JSON.readTree(put.body()));
        assertTrue(operationPolls() >= 1);
        assertEquals(List.of(false, false, true, false, false),
                scaleSet.instances().stream().map(ScaleSetInstance::protectedFromScaleIn).toList());

        scaleSet.protectFromScaleIn("2", false);
        assertFalse(emulator.cloud.instance(EmulatorFixture.SCALE_SET, "2").protection().protectFromScaleIn());

        ScaleSetException missing = assertThrows(ScaleSetException.class, () -> scaleSet.protectFromScaleIn("42", true));
        assertFalse(missing.retryable());
        assertEquals("NotFound", missing.errorCode().orElseThrow());
    }

    @Test
    void everyRequestCarriesAValidBearerTokenOverHttps() {
        scaleSet.describe();
        scaleSet.instances();
        scaleSet.deleteInstances(List.of("4"));

        List<ArmCall> requests = emulator.arm.requests();
        assertTrue(requests.size() >= 4, requests.toString());
        // The emulated ARM answers 401 to a request without a token it issued.
        requests.forEach(request -> assertTrue(request.status() < 400, request + " answered " + request.status()));
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
            assertTrue(authorizations.stream().noneMatch(value -> value.contains(token)), authorizations.toString());
        } finally {
            plain.stop(0);
        }
    }

    @Test
    void aCredentialWithoutATokenFailsAtOnceAndIsNotRetryable() {
        AtomicInteger tokenRequests = new AtomicInteger();
        AzureScaleSet withoutIdentity = emulator.scaleSet(emulator.arm.endpoint(), FAST, request -> {
            tokenRequests.incrementAndGet();
            return Mono.error(new CredentialUnavailableException("ManagedIdentityCredential: no managed identity endpoint"));
        });

        ScaleSetException e = assertThrows(ScaleSetException.class, withoutIdentity::describe);

        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("managed identity"), e.getMessage());
        assertEquals(1, tokenRequests.get(), "a credential that cannot give a token is not asked again");
        assertEquals(List.of(), emulator.arm.requests());
    }

    @Test
    void argumentsThatCannotNameUniformInstancesAreRefusedBeforeAnyCall() {
        assertThrows(IllegalArgumentException.class, () -> scaleSet.deleteInstances(List.of("1", "../2")));
        assertThrows(IllegalArgumentException.class, () -> scaleSet.protectFromScaleIn("agent/000001", true));
        assertThrows(IllegalArgumentException.class, () -> scaleSet.setCapacity(6, " "));
        assertThrows(IllegalArgumentException.class, () -> scaleSet.setCapacity(-1, etag()));
        scaleSet.deleteInstances(List.of());
        assertEquals(List.of(), emulator.arm.requests());
    }

    @Test
    void failuresAreScaleSetExceptionsWhoseCauseIsTheSdkError() {
        emulator.faults.refuseNext(400, "InvalidParameter", "Injected refusal.", null, null);
        ScaleSetException e = assertThrows(ScaleSetException.class, scaleSet::describe);
        assertInstanceOf(com.azure.core.management.exception.ManagementException.class, e.getCause());
    }
}
