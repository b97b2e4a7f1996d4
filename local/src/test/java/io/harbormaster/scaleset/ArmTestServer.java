package io.harbormaster.scaleset;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.harbormaster.config.ScaleSetSettings;
import io.harbormaster.testsupport.SelfSignedTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import reactor.core.publisher.Mono;

/**
 * A loopback stand-in for the part of Azure Resource Manager's compute API that {@link AzureScaleSet} calls, over TLS:
 * one scale set and its instances in memory, answered in the REST shapes of api-version {@value #API_VERSION}
 * (VirtualMachineScaleSets_Get, _Update, _DeleteInstances, VirtualMachineScaleSetVMs_List, _Update, and the
 * Azure-AsyncOperation status of each write). It records every request and can inject throttling and failures.
 */
public final class ArmTestServer implements AutoCloseable {
    /** The api-version azure-resourcemanager-compute 2.54.1 sends for scale sets and their VMs. */
    static final String API_VERSION = "2025-04-01";
    static final String SUBSCRIPTION = "6f5c6a3e-1b0a-4c1e-9a57-2d1f0c7e8b42";
    static final String RESOURCE_GROUP = "harbormaster-cluster-rg";
    static final String SCALE_SET = "harbormaster-agents";
    static final String LOCATION = "westeurope";
    static final String SKU = "Standard_D2s_v3";
    static final String COMPUTER_NAME_PREFIX = "agent";

    /** The bearer token {@link #client} presents; the SDK sends it over https only. */
    static final String TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test-token-b7c1";
    /** A credential that always hands out {@link #TOKEN}, valid for an hour. */
    static final TokenCredential FIXED_TOKEN =
            request -> Mono.just(new AccessToken(TOKEN, OffsetDateTime.now().plusHours(1)));
    static final ScaleSetSettings TARGET = new ScaleSetSettings(SUBSCRIPTION, RESOURCE_GROUP, SCALE_SET,
            new io.harbormaster.config.AzureCloud("AzureCloud", URI.create("https://management.azure.com/"), true));
    /** Production's shape with test-sized waits: three retries, 10-100 ms backoff, 20 ms polls. */
    public static final ArmCallPolicy FAST_POLICY = new ArmCallPolicy(
            3, Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(5),
            Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMillis(20), Duration.ofSeconds(10));
    private static final ObjectMapper JSON = new ObjectMapper();
    // ARM writes times with seven fractional digits and an explicit offset.
    private static final DateTimeFormatter ARM_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSxxx", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final String SCALE_SET_PATH = "/subscriptions/" + SUBSCRIPTION + "/resourceGroups/" + RESOURCE_GROUP
            + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + SCALE_SET;
    private static final Pattern VM_PATH = Pattern.compile(Pattern.quote(SCALE_SET_PATH) + "/virtualMachines/(\\d+)");
    private static final Pattern OPERATION_PATH = Pattern.compile("/subscriptions/" + SUBSCRIPTION
            + "/providers/Microsoft.Compute/locations/" + LOCATION + "/operations/([0-9a-f-]+)");

    /** What the SDK sent: method, path, decoded query, the If-Match and Authorization headers, and the body. */
    public record RecordedRequest(
            String method, String path, Map<String, String> query, String ifMatch, String authorization, String body,
            long receivedAtNanos) {
        public boolean is(String method, String pathSuffix) {
            return this.method.equals(method) && path.endsWith(pathSuffix);
        }

        boolean isOperationPoll() {
            return method.equals("GET") && OPERATION_PATH.matcher(path).matches();
        }
    }

    /** One VM of the scale set as ARM keeps it. */
    static final class Instance {
        final int id;
        final Instant created;
        String powerState;
        String provisioningState = "Succeeded";
        Boolean protectFromScaleIn;

        Instance(int id, Instant created, String powerState) {
            this.id = id;
            this.created = created;
            this.powerState = powerState;
        }

        String computerName() {
            // Uniform scale sets name instances prefix + the instance id in base 36, padded to six characters.
            String base36 = Integer.toString(id, 36);
            return COMPUTER_NAME_PREFIX + "0".repeat(Math.max(0, 6 - base36.length())) + base36;
        }
    }

    private record Fault(int status, String retryAfter, String code, String message) {
    }

    private record OperationError(String code, String message) {
    }

    private static final class Operation {
        final String id = UUID.randomUUID().toString();
        final Instant started = Instant.now();
        final Runnable onSuccess;
        final Runnable onFailure;
        final OperationError error;
        int inProgressPollsLeft;
        String status = "InProgress";
        Instant ended;

        Operation(int inProgressPolls, OperationError error, Runnable onSuccess, Runnable onFailure) {
            this.inProgressPollsLeft = inProgressPolls;
            this.error = error;
            this.onSuccess = onSuccess;
            this.onFailure = onFailure;
        }
    }

    private final HttpsServer server;
    private final ExecutorService executor;
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

    // Scale-set state, guarded by this.
    private final TreeMap<Integer, Instance> instances = new TreeMap<>();
    private final Map<String, Operation> operations = new HashMap<>();
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final Instant scaleSetCreated = Instant.parse("2025-03-01T09:00:00Z");
    private long capacity;
    private int etagVersion = 1;
    private int nextInstanceId;
    private String orchestrationMode = "Uniform";
    private String provisioningState = "Succeeded";
    private int pageSize = 2;
    private int inProgressPolls = 1;
    private String operationRetryAfter = "0";
    private OperationError nextOperationError;

    private ArmTestServer(SelfSignedTls tls) throws IOException {
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls.serverContext()));
        executor = Executors.newFixedThreadPool(4, runnable -> {
            Thread thread = new Thread(runnable, "arm-test-server");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static ArmTestServer start(SelfSignedTls tls) throws IOException {
        return new ArmTestServer(tls);
    }

    /**
     * The real Azure adapter, configured as in production but with {@code policy}'s waits, pointed at this server: it
     * trusts {@code tls}' certificate and presents a fixed bearer token.
     */
    public AzureScaleSet client(SelfSignedTls tls, ArmCallPolicy policy) {
        return client(endpoint(), tls, policy, FIXED_TOKEN);
    }

    /** As {@link #client(SelfSignedTls, ArmCallPolicy)}, against any endpoint and with any credential. */
    public static AzureScaleSet client(URI endpoint, SelfSignedTls tls, ArmCallPolicy policy, TokenCredential credential) {
        com.azure.core.http.HttpClient http = AzureScaleSet.jdkHttpClient(
                java.net.http.HttpClient.newBuilder().sslContext(tls.clientContext()), policy);
        return AzureScaleSet.connect(TARGET, endpoint, credential, http, policy);
    }

    /** The resource manager endpoint to give the SDK. */
    URI endpoint() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    // ---- test setup and inspection ----

    /** Adds running instances (or in the given power states) and raises the capacity to match; returns their ids. */
    public synchronized List<String> addInstances(String... powerStates) {
        List<String> ids = new ArrayList<>();
        for (String powerState : powerStates) {
            Instance instance = new Instance(nextInstanceId++, scaleSetCreated.plusSeconds(60L * instances.size()), powerState);
            instances.put(instance.id, instance);
            ids.add(Integer.toString(instance.id));
        }
        capacity = instances.size();
        return ids;
    }

    synchronized Instance instance(String id) {
        return instances.get(Integer.parseInt(id));
    }

    synchronized List<String> instanceIds() {
        return instances.keySet().stream().map(String::valueOf).toList();
    }

    synchronized long capacity() {
        return capacity;
    }

    synchronized String etag() {
        return "\"" + etagVersion + "\"";
    }

    synchronized void orchestrationMode(String mode) {
        orchestrationMode = mode;
    }

    public synchronized void pageSize(int size) {
        pageSize = size;
    }

    /** How many polls of each new operation answer InProgress before it ends. */
    synchronized void inProgressPolls(int polls) {
        inProgressPolls = polls;
    }

    /** The Retry-After (seconds) the write and operation-status answers carry. */
    synchronized void operationRetryAfter(int seconds) {
        operationRetryAfter = Integer.toString(seconds);
    }

    /** The next {@code times} requests, whatever they are, get this error answer. */
    synchronized void answerNext(int times, int status, String retryAfter) {
        String code = switch (status) {
            case 429 -> "SubscriptionRequestsThrottled";
            case 500 -> "InternalServerError";
            case 503 -> "ServiceUnavailable";
            default -> "Error" + status;
        };
        for (int i = 0; i < times; i++) {
            faults.add(new Fault(status, retryAfter, code, "Injected by ArmTestServer: HTTP " + status + "."));
        }
    }

    /** The next operation to start ends Failed with this error, and changes nothing. */
    synchronized void failNextOperation(String code, String message) {
        nextOperationError = new OperationError(code, message);
    }

    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    public void clearRequests() {
        requests.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- ARM ----

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = readBody(exchange.getRequestBody());
            String path = exchange.getRequestURI().getPath();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            String method = exchange.getRequestMethod();
            String ifMatch = exchange.getRequestHeaders().getFirst("If-Match");
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            requests.add(new RecordedRequest(method, path, query, ifMatch, authorization, body, System.nanoTime()));
            Answer answer = answer(method, path, query, ifMatch, authorization, body);
            answer.headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            exchange.getResponseHeaders().add("x-ms-request-id", UUID.randomUUID().toString());
            byte[] bytes = answer.body == null ? new byte[0] : JSON.writeValueAsBytes(answer.body);
            if (answer.body != null) {
                exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
            }
            exchange.sendResponseHeaders(answer.status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    private static final class Answer {
        final int status;
        final JsonNode body;
        final Map<String, String> headers = new LinkedHashMap<>();

        Answer(int status, JsonNode body) {
            this.status = status;
            this.body = body;
        }

        Answer header(String name, String value) {
            headers.put(name, value);
            return this;
        }
    }

    private synchronized Answer answer(
            String method, String path, Map<String, String> query, String ifMatch, String authorization, String body) {
        Fault fault = faults.poll();
        if (fault != null) {
            Answer answer = error(fault.status, fault.code, fault.message);
            return fault.retryAfter == null ? answer : answer.header("Retry-After", fault.retryAfter);
        }
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return error(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
        }
        if (!API_VERSION.equals(query.get("api-version"))) {
            return error(400, "InvalidApiVersionParameter",
                    "The api-version '" + query.get("api-version") + "' is not the one ArmTestServer answers for.");
        }
        Matcher operation = OPERATION_PATH.matcher(path);
        if (method.equals("GET") && operation.matches()) {
            return operationStatus(operation.group(1), "true".equals(query.get("monitor")));
        }
        if (path.equals(SCALE_SET_PATH)) {
            return switch (method) {
                case "GET" -> new Answer(200, scaleSetJson()).header("ETag", etag());
                case "PATCH" -> updateScaleSet(ifMatch, body);
                default -> unsupported(method, path);
            };
        }
        if (path.equals(SCALE_SET_PATH + "/virtualMachines") && method.equals("GET")) {
            return listVirtualMachines(query);
        }
        if (path.equals(SCALE_SET_PATH + "/delete") && method.equals("POST")) {
            return deleteInstances(body);
        }
        Matcher vm = VM_PATH.matcher(path);
        if (vm.matches() && method.equals("PUT")) {
            return updateVirtualMachine(Integer.parseInt(vm.group(1)), body);
        }
        return unsupported(method, path);
    }

    private Answer updateScaleSet(String ifMatch, String body) {
        if (ifMatch != null && !ifMatch.equals("*") && !ifMatch.equals(etag())) {
            return error(412, "PreconditionFailed",
                    "The specified precondition 'If-Match = " + ifMatch + "' failed; the current ETag is " + etag() + ".");
        }
        JsonNode requested = readJson(body).path("sku").path("capacity");
        if (!requested.isIntegralNumber() || requested.asLong() < 0) {
            return error(400, "InvalidParameter", "The value of parameter sku.capacity is invalid.");
        }
        long target = requested.asLong();
        capacity = target;
        etagVersion++;
        provisioningState = "Updating";
        Operation operation = startOperation(
                () -> {
                    // Scale-out creates instances up to the capacity; lowering it is left out, since the adapter never does.
                    while (instances.size() < capacity) {
                        Instance created = new Instance(nextInstanceId++, Instant.now(), "PowerState/running");
                        instances.put(created.id, created);
                    }
                    provisioningState = "Succeeded";
                },
                () -> provisioningState = "Failed");
        return asyncAccepted(new Answer(200, scaleSetJson()).header("ETag", etag()), operation, false);
    }

    private Answer deleteInstances(String body) {
        List<Integer> ids = new ArrayList<>();
        for (JsonNode id : readJson(body).path("instanceIds")) {
            ids.add(Integer.parseInt(id.asText()));
        }
        if (ids.isEmpty()) {
            return error(400, "InvalidParameter", "The value of parameter instanceIds is invalid.");
        }
        for (int id : ids) {
            if (!instances.containsKey(id)) {
                return error(404, "NotFound", "The entity was not found in this Azure location. Instance id " + id
                        + " does not exist in scale set " + SCALE_SET + ".");
            }
        }
        for (int id : ids) {
            instances.get(id).provisioningState = "Deleting";
        }
        Operation operation = startOperation(
                () -> {
                    ids.forEach(instances::remove);
                    capacity = instances.size();
                    etagVersion++;
                },
                () -> ids.forEach(id -> instances.get(id).provisioningState = "Failed"));
        return asyncAccepted(new Answer(202, null), operation, true);
    }

    private Answer updateVirtualMachine(int id, String body) {
        Instance instance = instances.get(id);
        if (instance == null) {
            return error(404, "NotFound", "The entity was not found in this Azure location.");
        }
        JsonNode protect = readJson(body).path("properties").path("protectionPolicy").path("protectFromScaleIn");
        if (!protect.isBoolean()) {
            return error(400, "InvalidParameter", "The value of parameter protectionPolicy is invalid.");
        }
        instance.provisioningState = "Updating";
        Operation operation = startOperation(
                () -> {
                    instance.protectFromScaleIn = protect.asBoolean();
                    instance.provisioningState = "Succeeded";
                },
                () -> instance.provisioningState = "Failed");
        return asyncAccepted(new Answer(200, virtualMachineJson(instance, false)), operation, false);
    }

    private Operation startOperation(Runnable onSuccess, Runnable onFailure) {
        Operation operation = new Operation(inProgressPolls, nextOperationError, onSuccess, onFailure);
        nextOperationError = null;
        operations.put(operation.id, operation);
        return operation;
    }

    private Answer asyncAccepted(Answer answer, Operation operation, boolean withLocation) {
        String statusUrl = operationUrl(operation, false);
        answer.header("Azure-AsyncOperation", statusUrl).header("Retry-After", operationRetryAfter);
        if (withLocation) {
            answer.header("Location", operationUrl(operation, true));
        }
        return answer;
    }

    private String operationUrl(Operation operation, boolean monitor) {
        return endpoint() + "subscriptions/" + SUBSCRIPTION + "/providers/Microsoft.Compute/locations/" + LOCATION
                + "/operations/" + operation.id + "?" + (monitor ? "monitor=true&" : "") + "api-version=" + API_VERSION;
    }

    private Answer operationStatus(String id, boolean monitor) {
        Operation operation = operations.get(id);
        if (operation == null) {
            return error(404, "NotFound", "The operation " + id + " was not found.");
        }
        if (operation.status.equals("InProgress")) {
            if (operation.inProgressPollsLeft > 0) {
                operation.inProgressPollsLeft--;
            } else {
                operation.ended = Instant.now();
                if (operation.error == null) {
                    operation.status = "Succeeded";
                    operation.onSuccess.run();
                } else {
                    operation.status = "Failed";
                    operation.onFailure.run();
                }
            }
        }
        if (monitor) {
            // The Location URL answers 202 while the operation runs and 200 without a body once it has ended.
            return operation.status.equals("InProgress")
                    ? new Answer(202, null).header("Location", operationUrl(operation, true)).header("Retry-After", operationRetryAfter)
                    : new Answer(200, null);
        }
        ObjectNode status = JSON.createObjectNode();
        status.put("startTime", ARM_TIME.format(operation.started));
        if (operation.ended != null) {
            status.put("endTime", ARM_TIME.format(operation.ended));
        }
        status.put("status", operation.status);
        if (operation.status.equals("Failed")) {
            ObjectNode error = status.putObject("error");
            error.put("code", operation.error.code);
            error.put("message", operation.error.message);
        }
        status.put("name", operation.id);
        Answer answer = new Answer(200, status);
        return operation.status.equals("InProgress") ? answer.header("Retry-After", operationRetryAfter) : answer;
    }

    private Answer listVirtualMachines(Map<String, String> query) {
        boolean expandInstanceView = "instanceView".equalsIgnoreCase(query.get("$expand"));
        int start = query.containsKey("$skiptoken") ? Integer.parseInt(query.get("$skiptoken")) : 0;
        List<Instance> all = new ArrayList<>(instances.values());
        ObjectNode page = JSON.createObjectNode();
        ArrayNode value = page.putArray("value");
        int end = Math.min(all.size(), start + pageSize);
        for (Instance instance : all.subList(Math.min(start, all.size()), end)) {
            value.add(virtualMachineJson(instance, expandInstanceView));
        }
        if (end < all.size()) {
            page.put("nextLink", endpoint() + SCALE_SET_PATH.substring(1) + "/virtualMachines?api-version=" + API_VERSION
                    + (expandInstanceView ? "&$expand=instanceView" : "") + "&$skiptoken=" + end);
        }
        return new Answer(200, page);
    }

    private ObjectNode scaleSetJson() {
        ObjectNode scaleSet = JSON.createObjectNode();
        scaleSet.put("name", SCALE_SET);
        scaleSet.put("id", SCALE_SET_PATH);
        scaleSet.put("type", "Microsoft.Compute/virtualMachineScaleSets");
        scaleSet.put("location", LOCATION);
        scaleSet.putObject("tags").put("harbormaster", "agents");
        ObjectNode sku = scaleSet.putObject("sku");
        sku.put("name", SKU);
        sku.put("tier", "Standard");
        sku.put("capacity", capacity);
        scaleSet.put("etag", etag());
        ObjectNode properties = scaleSet.putObject("properties");
        properties.put("singlePlacementGroup", true);
        properties.put("orchestrationMode", orchestrationMode);
        if (orchestrationMode.equals("Uniform")) {
            properties.putObject("upgradePolicy").put("mode", "Manual");
            properties.putObject("scaleInPolicy").putArray("rules").add("Default");
        } else {
            properties.put("platformFaultDomainCount", 1);
        }
        ObjectNode profile = properties.putObject("virtualMachineProfile");
        ObjectNode osProfile = profile.putObject("osProfile");
        osProfile.put("computerNamePrefix", COMPUTER_NAME_PREFIX);
        osProfile.put("adminUsername", "azureuser");
        osProfile.putObject("linuxConfiguration").put("disablePasswordAuthentication", true);
        ObjectNode image = profile.putObject("storageProfile").putObject("imageReference");
        image.put("publisher", "Canonical");
        image.put("offer", "ubuntu-24_04-lts");
        image.put("sku", "server");
        image.put("version", "latest");
        properties.put("provisioningState", provisioningState);
        properties.put("overprovision", false);
        properties.put("uniqueId", "0b7c4a9e-51f2-4a3c-8e0d-6f1a2b3c4d5e");
        properties.put("timeCreated", ARM_TIME.format(scaleSetCreated));
        return scaleSet;
    }

    private ObjectNode virtualMachineJson(Instance instance, boolean withInstanceView) {
        ObjectNode vm = JSON.createObjectNode();
        vm.put("name", SCALE_SET + "_" + instance.id);
        vm.put("id", SCALE_SET_PATH + "/virtualMachines/" + instance.id);
        vm.put("type", "Microsoft.Compute/virtualMachines");
        vm.put("location", LOCATION);
        vm.put("instanceId", Integer.toString(instance.id));
        ObjectNode sku = vm.putObject("sku");
        sku.put("name", SKU);
        sku.put("tier", "Standard");
        vm.put("etag", "\"1\"");
        ObjectNode properties = vm.putObject("properties");
        properties.put("latestModelApplied", true);
        properties.put("vmId", UUID.nameUUIDFromBytes(("vm" + instance.id).getBytes(StandardCharsets.UTF_8)).toString());
        properties.putObject("hardwareProfile").put("vmSize", SKU);
        ObjectNode osProfile = properties.putObject("osProfile");
        osProfile.put("computerName", instance.computerName());
        osProfile.put("adminUsername", "azureuser");
        osProfile.putObject("linuxConfiguration").put("disablePasswordAuthentication", true);
        osProfile.putArray("secrets");
        osProfile.put("allowExtensionOperations", true);
        properties.put("provisioningState", instance.provisioningState);
        // ARM leaves the protection policy out until someone has set it on the instance.
        if (instance.protectFromScaleIn != null) {
            ObjectNode protection = properties.putObject("protectionPolicy");
            protection.put("protectFromScaleIn", instance.protectFromScaleIn);
            protection.put("protectFromScaleSetActions", false);
        }
        properties.put("timeCreated", ARM_TIME.format(instance.created));
        if (withInstanceView) {
            ObjectNode view = properties.putObject("instanceView");
            view.put("platformUpdateDomain", instance.id % 5);
            view.put("platformFaultDomain", instance.id % 3);
            view.put("computerName", instance.computerName());
            view.put("osName", "ubuntu");
            view.put("osVersion", "24.04");
            ArrayNode statuses = view.putArray("statuses");
            ObjectNode provisioning = statuses.addObject();
            provisioning.put("code", "ProvisioningState/" + instance.provisioningState.toLowerCase(Locale.ROOT));
            provisioning.put("level", "Info");
            provisioning.put("displayStatus", "Provisioning " + instance.provisioningState.toLowerCase(Locale.ROOT));
            provisioning.put("time", ARM_TIME.format(instance.created.plusSeconds(90)));
            if (instance.powerState != null) {
                ObjectNode power = statuses.addObject();
                power.put("code", instance.powerState);
                power.put("level", "Info");
                power.put("displayStatus", "VM " + instance.powerState.substring(instance.powerState.indexOf('/') + 1));
            }
        }
        return vm;
    }

    private static Answer error(int status, String code, String message) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("code", code);
        error.put("message", message);
        return new Answer(status, body);
    }

    private static Answer unsupported(String method, String path) {
        return error(400, "UnsupportedByArmTestServer", method + " " + path + " is not a call ArmTestServer answers.");
    }

    private static JsonNode readJson(String body) {
        try {
            return body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static String readBody(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            query.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return query;
    }
}
