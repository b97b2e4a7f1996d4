package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agents' scripts, taken from cloud-init/agent.yml, run against a loopback stand-in for the control plane
 * and the Instance Metadata Service, with a stand-in `docker` that records its arguments. This checks the
 * scripts' protocol; the multi-node harness runs them against the real local host and a real swarm.
 */
class AgentScriptsTest {
    private static final String AGENT = "cloud-init/agent.yml";
    private static final String KEY = "node-key-123";
    private static final String VM_NAME = "harbormaster-agents_3";
    private static final String NODE = "agent000003";
    private static final String EVENT_ID = "602D9444-D2CD-49C7-8624-8643E7171297";

    /** One request the stand-in received. */
    record Request(long at, String method, String path, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.getOrDefault(name.toLowerCase(), "");
        }
    }

    /** A canned answer: status, content type and body. */
    record Reply(int status, String contentType, String body) {
        static Reply json(int status, String body) {
            return new Reply(status, "application/json", body);
        }
    }

    @TempDir
    Path dir;
    private HttpServer server;
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Function<Request, Reply>> routes = new ConcurrentHashMap<>();
    private Path dockerLog;
    private Path swarmState;
    private Path envFile;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void standIns() throws IOException {
        HostTools.require("sh", "a POSIX shell");
        HostTools.require("curl", "apt-get install -y curl");
        HostTools.require("python3", "apt-get install -y python3");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", this::handle);
        server.start();

        Path bin = Files.createDirectories(dir.resolve("bin"));
        dockerLog = dir.resolve("docker.log");
        swarmState = dir.resolve("swarm.state");
        Files.writeString(swarmState, "inactive\n");
        Path docker = bin.resolve("docker");
        Files.writeString(docker, """
                #!/bin/sh
                printf '%s\\n' "$*" >> "$FAKE_DOCKER_LOG"
                case "$1 $2" in
                  "info --format") cat "$FAKE_SWARM_STATE" ;;
                  "swarm join") echo active > "$FAKE_SWARM_STATE"; echo "This node joined a swarm as a worker." ;;
                  "swarm leave") echo inactive > "$FAKE_SWARM_STATE"; echo "Node left the swarm." ;;
                esac
                """);
        Files.setPosixFilePermissions(docker, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String script : CloudInitTest.AGENT_SCRIPTS) {
            CloudInitFiles.extractScript(AGENT, script, bin);
        }
        envFile = dir.resolve("agent.env");
        writeEnv(Map.of());
    }

    @AfterEach
    void stop() {
        started.forEach(process -> {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        });
        if (server != null) {
            server.stop(0);
        }
    }

    private void writeEnv(Map<String, String> extra) throws IOException {
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        Map<String, String> env = new HashMap<>(Map.of(
                "HARBORMASTER_FUNCTION_URL", url,
                "HARBORMASTER_IMDS_URL", url,
                // No guard here, so no helpers' namespace: the scripts' IMDS calls go out as plain curl.
                "HARBORMASTER_IMDS_CURL", "curl",
                "HARBORMASTER_FUNCTION_KEY", KEY,
                "HARBORMASTER_NODE_NAME", NODE,
                "HARBORMASTER_JOIN_INITIAL_DELAY_SECONDS", "1",
                "HARBORMASTER_EVENTS_POLL_SECONDS", "1",
                "HARBORMASTER_DRAIN_POLL_SECONDS", "1"));
        env.putAll(extra);
        StringBuilder text = new StringBuilder("# written by AgentScriptsTest\n");
        env.forEach((name, value) -> text.append(name).append('=').append(value).append('\n'));
        Files.writeString(envFile, text.toString());
    }

    private void handle(HttpExchange exchange) throws IOException {
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), String.join(",", values)));
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = exchange.getRequestURI().toString();
        Request request = new Request(System.nanoTime(), exchange.getRequestMethod(), path, headers, body);
        requests.add(request);
        Reply reply = routes.entrySet().stream()
                .filter(route -> (request.method() + " " + path).startsWith(route.getKey()))
                .findFirst().map(route -> route.getValue().apply(request))
                .orElse(Reply.json(404, "{\"error\":\"not_found\"}"));
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", reply.contentType());
        exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    private Map<String, String> environment() {
        return Map.of(
                "PATH", dir.resolve("bin") + ":" + System.getenv("PATH"),
                "HARBORMASTER_AGENT_ENV", envFile.toString(),
                "FAKE_DOCKER_LOG", dockerLog.toString(),
                "FAKE_SWARM_STATE", swarmState.toString());
    }

    private HostTools.Result run(String script, long timeoutSeconds) {
        return HostTools.run(List.of(dir.resolve("bin").resolve(script).toString()), environment(), timeoutSeconds);
    }

    private Process start(String script) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(dir.resolve("bin").resolve(script).toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(script + ".log").toFile());
        builder.environment().putAll(environment());
        Process process = builder.start();
        started.add(process);
        return process;
    }

    private List<String> dockerCalls() throws IOException {
        return Files.exists(dockerLog) ? Files.readAllLines(dockerLog) : List.of();
    }

    private List<Request> requests(String method, String pathPrefix) {
        synchronized (requests) {
            return requests.stream().filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix)).toList();
        }
    }

    private static void waitFor(String what, long seconds, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static String scheduledEvents(String resource, Instant notBefore) {
        String when = DateTimeFormatter.RFC_1123_DATE_TIME.format(notBefore.atOffset(ZoneOffset.UTC));
        return """
                {"DocumentIncarnation":2,"Events":[{"EventId":"%s","EventStatus":"Scheduled","EventType":"Terminate",\
                "ResourceType":"VirtualMachine","Resources":["%s"],"NotBefore":"%s","Description":"","EventSource":"Platform",\
                "DurationInSeconds":-1}]}""".formatted(EVENT_ID, resource, when);
    }

    private void standInMetadata(Function<Request, Reply> scheduledEvents) {
        routes.put("GET /metadata/instance/compute/name", request -> new Reply(200, "text/plain", VM_NAME));
        routes.put("GET /metadata/scheduledevents?api-version=2020-07-01", scheduledEvents);
        routes.put("POST /metadata/scheduledevents?api-version=2020-07-01", request -> new Reply(200, "text/plain", ""));
    }

    @Test
    void joinLeavesStaleStateThenJoinsWithTheTicketAfterRetries() throws IOException {
        Files.writeString(swarmState, "active\n");
        AtomicInteger calls = new AtomicInteger();
        routes.put("GET /api/join/worker", request -> calls.incrementAndGet() <= 2
                ? Reply.json(503, "{\"error\":\"swarm_not_initialised\"}")
                : new Reply(200, "text/plain; charset=utf-8", "SWMTKN-1-abc 10.0.0.4:2377\n"));

        HostTools.Result result = run("harbormaster-join", 60);

        assertEquals(0, result.exitCode(), result.output());
        assertEquals(List.of("info --format {{.Swarm.LocalNodeState}}", "swarm leave --force",
                "swarm join --token SWMTKN-1-abc 10.0.0.4:2377"), dockerCalls());
        List<Request> joins = requests("GET", "/api/join/worker");
        assertEquals(3, joins.size());
        joins.forEach(join -> {
            assertEquals(KEY, join.header("x-functions-key"));
            assertEquals("text/plain", join.header("accept"));
        });
        assertTrue(result.output().contains("joined the swarm as a worker through 10.0.0.4:2377"), result.output());
        assertFalse(result.output().contains("SWMTKN"), "the token is never logged");
    }

    @Test
    void joinGivesUpAfterBoundedAttemptsWithOneClearLine() throws IOException {
        writeEnv(Map.of("HARBORMASTER_JOIN_ATTEMPTS", "3"));
        routes.put("GET /api/join/worker", request -> Reply.json(503, "{\"error\":\"no_manager_reachable\"}"));

        HostTools.Result result = run("harbormaster-join", 60);

        assertEquals(1, result.exitCode(), result.output());
        assertEquals(3, requests("GET", "/api/join/worker").size());
        assertTrue(result.output().contains(
                "harbormaster-join: FAILED to join the swarm as a worker after 3 attempts; last error: the join function answered HTTP 503"),
                result.output());
        assertFalse(dockerCalls().stream().anyMatch(call -> call.startsWith("swarm join")));
    }

    @Test
    void watcherDrainsAndApprovesTheTerminateEventOnlyOnceTheNodeIsDrained() throws Exception {
        AtomicInteger statusPolls = new AtomicInteger();
        standInMetadata(request -> requests("POST", "/metadata/scheduledevents").isEmpty()
                ? Reply.json(200, scheduledEvents(VM_NAME, Instant.now().plusSeconds(600)))
                : Reply.json(200, "{\"DocumentIncarnation\":3,\"Events\":[]}"));
        routes.put("POST /api/drain/" + NODE, request -> Reply.json(202, "{\"node\":\"" + NODE + "\",\"state\":\"requested\"}"));
        routes.put("GET /api/drain/" + NODE, request -> Reply.json(200,
                "{\"node\":\"" + NODE + "\",\"state\":\"" + (statusPolls.incrementAndGet() < 3 ? "draining" : "drained") + "\"}"));

        start("harbormaster-terminate-watcher");
        waitFor("the approval", 60, () -> !requests("POST", "/metadata/scheduledevents").isEmpty());

        List<Request> drains = requests("POST", "/api/drain/" + NODE);
        assertEquals(1, drains.size());
        assertEquals("{\"reason\":\"terminate-notification\"}", drains.get(0).body());
        assertEquals(KEY, drains.get(0).header("x-functions-key"));
        List<Request> polls = requests("GET", "/api/drain/" + NODE);
        assertEquals(3, polls.size(), "polled until drained");
        Request approval = requests("POST", "/metadata/scheduledevents").get(0);
        assertEquals("{\"StartRequests\":[{\"EventId\":\"" + EVENT_ID + "\"}]}", approval.body());
        assertEquals("true", approval.header("metadata"));
        assertTrue(approval.at() > polls.get(2).at(), "approved only after the drain was reported done");
        requests("GET", "/metadata/").forEach(get -> assertEquals("true", get.header("metadata")));
        Thread.sleep(2500);
        assertEquals(1, requests("POST", "/metadata/scheduledevents").size(), "an event is approved once");
    }

    @Test
    void watcherIgnoresEventsForOtherMachines() throws Exception {
        standInMetadata(request -> Reply.json(200, scheduledEvents("harbormaster-agents_7", Instant.now().plusSeconds(600))));
        start("harbormaster-terminate-watcher");
        waitFor("three polls", 30, () -> requests("GET", "/metadata/scheduledevents").size() >= 3);
        assertEquals(List.of(), requests("POST", "/api/drain/"));
        assertEquals(List.of(), requests("POST", "/metadata/scheduledevents"));
    }

    /** A Terminate event as the document lists it, for these VMs. */
    private static String terminate(String eventId, Instant notBefore, String... resources) {
        String when = DateTimeFormatter.RFC_1123_DATE_TIME.format(notBefore.atOffset(ZoneOffset.UTC));
        return """
                {"EventId":"%s","EventStatus":"Scheduled","EventType":"Terminate","ResourceType":"VirtualMachine",\
                "Resources":[%s],"NotBefore":"%s","Description":"","EventSource":"Platform","DurationInSeconds":-1}"""
                .formatted(eventId, String.join(",", java.util.Arrays.stream(resources).map(r -> "\"" + r + "\"").toList()), when);
    }

    private static String document(int incarnation, String... events) {
        return "{\"DocumentIncarnation\":" + incarnation + ",\"Events\":[" + String.join(",", events) + "]}";
    }

    private String watcherLog() throws IOException {
        Path log = dir.resolve("harbormaster-terminate-watcher.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Test
    void watcherNeverApprovesAnUndrainedNodeAndAzureStartsAtNotBefore() throws Exception {
        Instant notBefore = Instant.now().plusSeconds(9);
        standInMetadata(request -> Reply.json(200, scheduledEvents(VM_NAME, notBefore)));
        routes.put("POST /api/drain/" + NODE, request -> Reply.json(202, "{\"state\":\"requested\"}"));
        routes.put("GET /api/drain/" + NODE, request -> Reply.json(200, "{\"state\":\"draining\"}"));

        start("harbormaster-terminate-watcher");
        waitFor("NotBefore to pass", 30, () -> Instant.now().isAfter(notBefore.plusSeconds(3)));

        assertEquals(List.of(), requests("POST", "/metadata/scheduledevents"), "approved while the node was draining");
        assertTrue(requests("GET", "/api/drain/" + NODE).size() >= 2, "kept reading the drain until NotBefore");
        assertTrue(watcherLog().contains("NotBefore of event " + EVENT_ID + " has passed, still waiting for: " + NODE + " (draining); not approved"),
                watcherLog());
    }

    @Test
    void watcherCallsEndBeforeNotBeforeWhenTheControlPlaneIsSlow() throws Exception {
        Instant notBefore = Instant.now().plusSeconds(6);
        standInMetadata(request -> Reply.json(200, scheduledEvents(VM_NAME, notBefore)));
        routes.put("POST /api/drain/" + NODE, request -> {
            sleepQuietly(20_000);
            return Reply.json(202, "{\"state\":\"requested\"}");
        });

        start("harbormaster-terminate-watcher");
        waitFor("the watcher to see NotBefore pass", 30, () -> {
            try {
                return watcherLog().contains("NotBefore of event " + EVENT_ID + " has passed");
            } catch (IOException e) {
                return false;
            }
        });

        // Without the bound, curl's own 15 s timeout would carry the call 10 s or more past NotBefore.
        Instant seen = Instant.now();
        assertTrue(seen.isBefore(notBefore.plusSeconds(4)), "the slow call ran to " + seen + ", NotBefore " + notBefore);
        assertEquals(List.of(), requests("POST", "/metadata/scheduledevents"));
    }

    @Test
    void aTerminateCancelledMidDrainCallsOffTheDrain() throws Exception {
        AtomicInteger documents = new AtomicInteger();
        standInMetadata(request -> Reply.json(200, documents.incrementAndGet() <= 3
                ? scheduledEvents(VM_NAME, Instant.now().plusSeconds(600))
                : document(3)));
        routes.put("POST /api/drain/" + NODE, request -> Reply.json(202, "{\"state\":\"requested\"}"));
        routes.put("GET /api/drain/" + NODE, request -> Reply.json(200, "{\"state\":\"draining\"}"));
        routes.put("DELETE /api/drain/" + NODE, request -> Reply.json(200, "{\"state\":\"cancelled\"}"));

        start("harbormaster-terminate-watcher");
        waitFor("the drain to be called off", 30, () -> !requests("DELETE", "/api/drain/").isEmpty());

        Request cancel = requests("DELETE", "/api/drain/").get(0);
        assertEquals("/api/drain/" + NODE, cancel.path());
        assertEquals(KEY, cancel.header("x-functions-key"));
        assertTrue(cancel.at() > requests("GET", "/api/drain/" + NODE).get(0).at(), "called off mid-drain");
        // Once more a round later, in case a drain pass under way set the node to drain again; then never again.
        waitFor("the drain to be called off once more", 30, () -> requests("DELETE", "/api/drain/").size() >= 2);
        Thread.sleep(2500);
        assertEquals(2, requests("DELETE", "/api/drain/").size(), "called off twice, not more");
        assertEquals(List.of(), requests("POST", "/metadata/scheduledevents"));
        assertTrue(watcherLog().contains("Azure cancelled it"), watcherLog());
        assertFalse(watcherLog().contains("proceeds at NotBefore anyway"), watcherLog());
    }

    @Test
    void aTerminateOfSeveralVmsIsApprovedOnlyOnceEveryListedNodeIsDrainedOrGone() throws Exception {
        // Computer names of a Uniform scale set: the prefix ("agent") then the instance id in base 36, padded to 6.
        String peer = "agent00000z";
        String gone = "agent000010";
        AtomicInteger peerPolls = new AtomicInteger();
        standInMetadata(request -> requests("POST", "/metadata/scheduledevents").isEmpty()
                ? Reply.json(200, document(2, terminate(EVENT_ID, Instant.now().plusSeconds(600),
                        "harbormaster-agents_35", VM_NAME, "harbormaster-agents_36")))
                : Reply.json(200, document(3)));
        routes.put("POST /api/drain/" + NODE, request -> Reply.json(202, "{\"state\":\"drained\"}"));
        routes.put("GET /api/drain/" + NODE, request -> Reply.json(200, "{\"state\":\"drained\"}"));
        routes.put("POST /api/drain/" + peer, request -> Reply.json(202, "{\"state\":\"requested\"}"));
        routes.put("GET /api/drain/" + peer, request -> Reply.json(200,
                "{\"state\":\"" + (peerPolls.incrementAndGet() < 4 ? "draining" : "drained") + "\"}"));
        routes.put("POST /api/drain/" + gone, request -> Reply.json(404, "{\"error\":\"unknown_node\",\"message\":\"no node\"}"));

        start("harbormaster-terminate-watcher");
        waitFor("the approval", 60, () -> !requests("POST", "/metadata/scheduledevents").isEmpty());

        assertEquals("{\"reason\":\"terminate-notification\"}", requests("POST", "/api/drain/" + peer).get(0).body());
        List<Request> polls = requests("GET", "/api/drain/" + peer);
        assertEquals(4, polls.size(), "the peer's drain was read until drained");
        assertTrue(requests("POST", "/metadata/scheduledevents").get(0).at() > polls.get(3).at(),
                "approved only once the peer read drained");
        assertFalse(requests("POST", "/api/drain/" + gone).isEmpty(), "a node no longer in the swarm is gone");
        assertTrue(watcherLog().contains("node " + gone + " is gone"), watcherLog());
        assertEquals(List.of(), requests("DELETE", "/api/drain/"));
    }

    @Test
    void aListedVmWhoseNodeCannotBeToldHoldsTheApproval() throws Exception {
        standInMetadata(request -> Reply.json(200, document(2, terminate(EVENT_ID, Instant.now().plusSeconds(600),
                VM_NAME, "other-scale-set_4"))));
        routes.put("POST /api/drain/" + NODE, request -> Reply.json(202, "{\"state\":\"drained\"}"));
        routes.put("GET /api/drain/" + NODE, request -> Reply.json(200, "{\"state\":\"drained\"}"));

        start("harbormaster-terminate-watcher");
        waitFor("three rounds", 30, () -> requests("GET", "/metadata/scheduledevents").size() >= 4);

        assertEquals(List.of(), requests("POST", "/metadata/scheduledevents"));
        assertTrue(watcherLog().contains("other-scale-set_4 (no swarm node known for it)"), watcherLog());
    }

    @Test
    void oneBadEventDoesNotHideTheOthers() throws Exception {
        String bad = """
                {"EventId":"BAD-1","EventStatus":"Scheduled","EventType":"Terminate","Resources":["%s"],\
                "NotBefore":"the day after tomorrow"}""".formatted("harbormaster-agents_9");
        String worse = "{\"EventId\":\"BAD-2\",\"EventType\":\"Terminate\",\"Resources\":7}";
        standInMetadata(request -> requests("POST", "/metadata/scheduledevents").isEmpty()
                ? Reply.json(200, document(2, bad, worse, "\"not an event\"",
                        terminate(EVENT_ID, Instant.now().plusSeconds(600), VM_NAME)))
                : Reply.json(200, document(3)));
        routes.put("POST /api/drain/" + NODE, request -> Reply.json(202, "{\"state\":\"requested\"}"));
        routes.put("GET /api/drain/" + NODE, request -> Reply.json(200, "{\"state\":\"drained\"}"));

        start("harbormaster-terminate-watcher");
        waitFor("the approval", 30, () -> !requests("POST", "/metadata/scheduledevents").isEmpty());

        assertEquals("{\"StartRequests\":[{\"EventId\":\"" + EVENT_ID + "\"}]}",
                requests("POST", "/metadata/scheduledevents").get(0).body());
        assertTrue(watcherLog().contains("event 1 skipped"), watcherLog());
    }

    @Test
    void aTerminateWithAnUnreadableNotBeforeIsStillDrainedAndApprovedOnlyOnceDrained() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        String event = """
                {"EventId":"%s","EventStatus":"Scheduled","EventType":"Terminate","Resources":["%s"],\
                "NotBefore":"soon"}""".formatted(EVENT_ID, VM_NAME);
        standInMetadata(request -> requests("POST", "/metadata/scheduledevents").isEmpty()
                ? Reply.json(200, document(2, event)) : Reply.json(200, document(3)));
        routes.put("POST /api/drain/" + NODE, request -> Reply.json(202, "{\"state\":\"requested\"}"));
        routes.put("GET /api/drain/" + NODE, request -> Reply.json(200,
                "{\"state\":\"" + (polls.incrementAndGet() < 3 ? "draining" : "drained") + "\"}"));

        start("harbormaster-terminate-watcher");
        waitFor("the approval", 30, () -> !requests("POST", "/metadata/scheduledevents").isEmpty());

        assertTrue(requests("POST", "/metadata/scheduledevents").get(0).at() > requests("GET", "/api/drain/" + NODE).get(2).at());
        assertTrue(watcherLog().contains("has an unreadable NotBefore"), watcherLog());
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void shutdownDrainsThenLeaves() throws IOException {
        Files.writeString(swarmState, "active\n");
        AtomicInteger statusPolls = new AtomicInteger();
        routes.put("POST /api/drain/" + NODE, request -> Reply.json(202, "{\"state\":\"requested\"}"));
        routes.put("GET /api/drain/" + NODE, request -> Reply.json(200,
                "{\"state\":\"" + (statusPolls.incrementAndGet() < 2 ? "draining" : "drained") + "\"}"));

        HostTools.Result result = run("harbormaster-drain-on-shutdown", 60);

        assertEquals(0, result.exitCode(), result.output());
        assertEquals("{\"reason\":\"shutdown\"}", requests("POST", "/api/drain/" + NODE).get(0).body());
        assertEquals(2, requests("GET", "/api/drain/" + NODE).size());
        assertEquals(List.of("info --format {{.Swarm.LocalNodeState}}", "swarm leave"), dockerCalls());
    }

    @Test
    void shutdownLooksEverySecondByDefaultSoItLeavesSoonAfterTheDrainIsDone() throws IOException {
        Files.writeString(swarmState, "active\n");
        // The terminate watcher's poll setting does not slow the shutdown's own.
        writeEnv(Map.of("HARBORMASTER_DRAIN_POLL_SECONDS", "5"));
        AtomicInteger statusPolls = new AtomicInteger();
        routes.put("POST /api/drain/" + NODE, request -> Reply.json(202, "{\"state\":\"requested\"}"));
        routes.put("GET /api/drain/" + NODE, request -> Reply.json(200,
                "{\"state\":\"" + (statusPolls.incrementAndGet() < 3 ? "draining" : "drained") + "\"}"));

        long start = System.nanoTime();
        HostTools.Result result = run("harbormaster-drain-on-shutdown", 60);

        assertEquals(0, result.exitCode(), result.output());
        assertEquals(3, requests("GET", "/api/drain/" + NODE).size());
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertTrue(seconds < 5, "two polls a second apart, not five: " + seconds + " s");
        assertTrue(dockerCalls().contains("swarm leave"), result.output());
    }

    @Test
    void shutdownLeavesAfterABoundedWaitWhenTheControlPlaneIsDown() throws IOException {
        Files.writeString(swarmState, "active\n");
        writeEnv(Map.of("HARBORMASTER_SHUTDOWN_DRAIN_SECONDS", "3"));
        routes.put("POST /api/drain/", request -> Reply.json(503, "{\"error\":\"unavailable\"}"));

        long start = System.nanoTime();
        HostTools.Result result = run("harbormaster-drain-on-shutdown", 60);

        assertEquals(0, result.exitCode(), result.output());
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 15, "bounded wait");
        assertTrue(dockerCalls().contains("swarm leave"), result.output());
    }

    @Test
    void theFunctionKeyComesFromKeyVaultWithTheNodesIdentity() throws IOException {
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        writeEnv(Map.of("HARBORMASTER_FUNCTION_KEY", "", "HARBORMASTER_KEY_VAULT_URI", url + "/",
                "HARBORMASTER_FUNCTION_KEY_SECRET", "harbormaster-node-function-key",
                "HARBORMASTER_IDENTITY_CLIENT_ID", "client-1"));
        routes.put("GET /metadata/identity/oauth2/token", request -> Reply.json(200,
                "{\"access_token\":\"token-abc\",\"token_type\":\"Bearer\",\"resource\":\"https://vault.azure.net\"}"));
        routes.put("GET /secrets/harbormaster-node-function-key", request -> Reply.json(200,
                "{\"value\":\"k\\u002Bey/from-vault==\",\"id\":\"x\"}"));

        HostTools.Result result = run("harbormaster-function-key", 30);

        assertEquals(0, result.exitCode(), result.output());
        assertEquals("k+ey/from-vault==\n", result.output());
        Request token = requests("GET", "/metadata/identity/oauth2/token").get(0);
        assertEquals("true", token.header("metadata"));
        assertEquals("/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net&client_id=client-1",
                token.path());
        Request secret = requests("GET", "/secrets/").get(0);
        assertEquals("/secrets/harbormaster-node-function-key?api-version=7.4", secret.path());
        assertEquals("Bearer token-abc", secret.header("authorization"));
    }
}
