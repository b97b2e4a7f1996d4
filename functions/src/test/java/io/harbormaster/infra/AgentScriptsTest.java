package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agents' scripts, taken from cloud-init/agent.yml, run against a loopback stand-in for the control plane's node
 * routes and the Instance Metadata Service, with a stand-in `docker` that records its arguments. The stand-in hands
 * out nonces, signs them into opaque attested documents, admits a node call only with a document it signed for a
 * nonce it issued (spent once) or a credential it issued, and adds a fresh credential to each attested reply, as the
 * control plane does. This checks the scripts' protocol; the multi-node harness runs them against the real local host
 * and a real swarm.
 */
class AgentScriptsTest {
    private static final String AGENT = "cloud-init/agent.yml";
    private static final String VM_NAME = "harbormaster-agents_3";
    private static final String NODE = "agent000003";
    private static final String EVENT_ID = "602D9444-D2CD-49C7-8624-8643E7171297";
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /** How an admitted node call proved the VM. */
    enum Proof { ATTESTATION, CREDENTIAL }

    /** A node call the stand-in admitted: its body without the nonce and the document, compact JSON ("" when none). */
    record NodeCall(long at, String method, String route, String payload, Proof proof) {}

    @TempDir
    Path dir;
    private HttpServer server;
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<NodeCall> nodeCalls = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Function<Request, Reply>> routes = new ConcurrentHashMap<>();
    /** Nonces issued and not yet spent. */
    private final Set<String> nonces = ConcurrentHashMap.newKeySet();
    /** Every attested document the stand-in IMDS signed, by nonce. */
    private final Map<String, List<JsonNode>> documents = new ConcurrentHashMap<>();
    /** Credentials issued and still honoured, with their expiry. */
    private final Map<String, Instant> credentials = new ConcurrentHashMap<>();
    private final AtomicLong nextNonce = new AtomicLong(4_000_000_000L);
    private final AtomicInteger signed = new AtomicInteger();
    /** How many attested calls to answer with 409 retry_attestation (IMDS's cached document) before admitting one. */
    private final AtomicInteger retryAttestations = new AtomicInteger();
    private Path dockerLog;
    private Path argvLog;
    private Path swarmState;
    private Path envFile;
    private Path credentialFile;
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
        argvLog = dir.resolve("argv.log");
        swarmState = dir.resolve("swarm.state");
        Files.writeString(swarmState, "inactive\n");
        executable(bin.resolve("docker"), """
                #!/bin/sh
                printf '%s\\n' "$*" >> "$FAKE_DOCKER_LOG"
                case "$1 $2" in
                  "info --format") cat "$FAKE_SWARM_STATE" ;;
                  "swarm join") echo active > "$FAKE_SWARM_STATE"; echo "This node joined a swarm as a worker." ;;
                  "swarm leave") echo inactive > "$FAKE_SWARM_STATE"; echo "Node left the swarm." ;;
                esac
                """);
        // curl and python3 as themselves, recording their command lines: what any process on the node could read.
        for (String tool : List.of("curl", "python3")) {
            executable(bin.resolve(tool), """
                    #!/bin/sh
                    printf '%s %%s\\n' "$*" >> "$FAKE_ARGV_LOG"
                    exec %s "$@"
                    """.formatted(tool, onPath(tool)));
        }
        for (String script : CloudInitTest.AGENT_SCRIPTS) {
            CloudInitFiles.extractScript(AGENT, script, bin);
        }
        credentialFile = dir.resolve("run").resolve("harbormaster").resolve("node-credential");
        envFile = dir.resolve("agent.env");
        writeEnv(Map.of());
        standInAttestation();
    }

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return Path.of(dir, command).toString();
            }
        }
        throw new AssertionError(command + " is not on the PATH");
    }

    @AfterEach
    void stop() {
        // Waits for every killed process to be gone: one still writing (a log line, the kept credential) would keep the
        // temporary directory from being deleted.
        List<ProcessHandle> killed = new ArrayList<>();
        started.forEach(process -> {
            process.descendants().forEach(killed::add);
            killed.add(process.toHandle());
        });
        killed.forEach(ProcessHandle::destroyForcibly);
        killed.forEach(process -> {
            try {
                process.onExit().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new AssertionError("process " + process.pid() + " did not end", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        if (server != null) {
            server.stop(0);
        }
        emptyFolder();
    }

    /**
     * Empties the test's folder before JUnit deletes it. A script killed just as it started a child (a curl writing its
     * reply there) can leave that orphan writing for a moment after the kill, and JUnit's one pass would then fail.
     */
    private void emptyFolder() {
        for (int attempt = 0; attempt < 30; attempt++) {
            try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
                List<Path> inside = paths.filter(path -> !path.equals(dir)).sorted(Comparator.reverseOrder()).toList();
                if (inside.isEmpty()) {
                    return;
                }
                for (Path path : inside) {
                    Files.deleteIfExists(path);
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // Something is still writing: try again shortly.
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void writeEnv(Map<String, String> extra) throws IOException {
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        Map<String, String> env = new HashMap<>(Map.of(
                "HARBORMASTER_FUNCTION_URL", url,
                "HARBORMASTER_IMDS_URL", url,
                // No guard here, so no helpers' namespace: the scripts' IMDS calls go out as plain curl.
                "HARBORMASTER_IMDS_CURL", "curl",
                "HARBORMASTER_NODE_CALL", dir.resolve("bin").resolve("harbormaster-node-call").toString(),
                "HARBORMASTER_NODE_CREDENTIAL_FILE", credentialFile.toString(),
                "HARBORMASTER_NODE_NAME", NODE,
                // Waits of a fifth of a second (the scripts take fractions): a round of the watcher, a join retry.
                "HARBORMASTER_JOIN_INITIAL_DELAY_SECONDS", "0.2",
                "HARBORMASTER_EVENTS_POLL_SECONDS", "0.2",
                "HARBORMASTER_DRAIN_POLL_SECONDS", "0.2"));
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

    /** The nonce route, IMDS's attested document and the credential route, as the node protocol has them. */
    private void standInAttestation() {
        routes.put("GET /api/node/nonce", request -> {
            if (!request.header("accept").contains("text/plain")) {
                return Reply.json(406, "{\"error\":\"not_acceptable\"}");
            }
            String nonce = Long.toString(nextNonce.incrementAndGet());
            nonces.add(nonce);
            return new Reply(200, "text/plain", nonce);
        });
        routes.put("GET /metadata/attested/document?", request -> {
            if (!"true".equals(request.header("metadata"))) {
                return Reply.json(400, "{\"error\":\"Bad request. Required metadata header not specified\"}");
            }
            if (!request.path().startsWith("/metadata/attested/document?api-version=2021-02-01&nonce=")) {
                return Reply.json(400, "{\"error\":\"Bad request\"}");
            }
            String nonce = query(request.path()).getOrDefault("nonce", "");
            ObjectNode document = JSON.createObjectNode()
                    .put("encoding", "pkcs7")
                    .put("signature", "MIIL-signed-" + nonce + "-" + signed.incrementAndGet() + "+/=");
            documents.computeIfAbsent(nonce, n -> Collections.synchronizedList(new ArrayList<>())).add(document);
            return Reply.json(200, document.toString());
        });
        nodeRoute("POST", "credential", (request, call) -> Reply.json(200, "{\"machine\":{\"vmId\":\"vm-3\"}}"));
    }

    private static Map<String, String> query(String path) {
        Map<String, String> query = new HashMap<>();
        int start = path.indexOf('?');
        if (start >= 0) {
            for (String pair : path.substring(start + 1).split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    query.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return query;
    }

    /** The answer a node route gives a call the stand-in admitted. */
    interface NodeHandler {
        Reply answer(Request request, NodeCall call);
    }

    /**
     * /api/node/ROUTE for METHOD: admits a call that presents a credential the stand-in issued (Authorization: Bearer)
     * or, in a POST, the attested document IMDS signed for a nonce the stand-in issued; refuses anything else with 401.
     * An attested 2xx reply carries a fresh credential.
     */
    private void nodeRoute(String method, String route, NodeHandler handler) {
        routes.put(method + " /api/node/" + route, request -> {
            if (!request.path().equals("/api/node/" + route)) {
                return Reply.json(404, "{\"error\":\"not_found\"}");
            }
            String payload;
            JsonNode body;
            try {
                body = request.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(request.body());
            } catch (IOException e) {
                return Reply.json(400, "{\"error\":\"invalid_body\"}");
            }
            if (!(body instanceof ObjectNode object)) {
                return Reply.json(400, "{\"error\":\"invalid_body\"}");
            }
            String authorization = request.header("authorization");
            Proof proof;
            if (!authorization.isEmpty()) {
                Instant expires = authorization.startsWith("Bearer ") ? credentials.get(authorization.substring(7)) : null;
                if (expires == null || expires.isBefore(Instant.now())) {
                    return Reply.json(401, "{\"error\":\"invalid_credential\",\"message\":\"credential refused\"}");
                }
                proof = Proof.CREDENTIAL;
            } else {
                String nonce = object.path("nonce").asText("");
                JsonNode attestation = object.path("attestation");
                if (!method.equals("POST") || !nonces.contains(nonce)
                        || !documents.getOrDefault(nonce, List.of()).contains(attestation)) {
                    return Reply.json(401, "{\"error\":\"attestation_refused\",\"message\":\"no valid attestation\"}");
                }
                if (retryAttestations.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    return Reply.json(409, "{\"error\":\"retry_attestation\",\"message\":\"IMDS returned a cached document\"}");
                }
                if (!nonces.remove(nonce)) {
                    return Reply.json(401, "{\"error\":\"attestation_refused\",\"message\":\"nonce spent\"}");
                }
                proof = Proof.ATTESTATION;
            }
            object.remove(List.of("nonce", "attestation"));
            payload = object.isEmpty() ? "" : object.toString();
            NodeCall call = new NodeCall(request.at(), method, route, payload, proof);
            nodeCalls.add(call);
            Reply reply = handler.answer(request, call);
            if (proof == Proof.ATTESTATION && reply.status() / 100 == 2) {
                try {
                    ObjectNode answer = (ObjectNode) JSON.readTree(reply.body());
                    String credential = "cred-" + java.util.UUID.randomUUID();
                    Instant expires = Instant.now().plusSeconds(900);
                    credentials.put(credential, expires);
                    answer.put("credential", credential).put("credentialExpiresAt", expires.toString());
                    return Reply.json(reply.status(), answer.toString());
                } catch (IOException | ClassCastException e) {
                    throw new AssertionError("a node route's canned reply is not a JSON object: " + reply.body(), e);
                }
            }
            return reply;
        });
    }

    private void nodeRoute(String method, String route, Function<Request, Reply> handler) {
        nodeRoute(method, route, (request, call) -> handler.apply(request));
    }

    private Map<String, String> environment() {
        return Map.of(
                "PATH", dir.resolve("bin") + ":" + System.getenv("PATH"),
                "HARBORMASTER_AGENT_ENV", envFile.toString(),
                "FAKE_DOCKER_LOG", dockerLog.toString(),
                "FAKE_ARGV_LOG", argvLog.toString(),
                "FAKE_SWARM_STATE", swarmState.toString());
    }

    private HostTools.Result run(String script, long timeoutSeconds, String... args) {
        List<String> command = new ArrayList<>();
        command.add(dir.resolve("bin").resolve(script).toString());
        command.addAll(List.of(args));
        return HostTools.run(command, environment(), timeoutSeconds);
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

    /** The node calls the stand-in admitted for METHOD /api/node/ROUTE, in order. */
    private List<NodeCall> nodeCalls(String method, String route) {
        synchronized (nodeCalls) {
            return nodeCalls.stream().filter(c -> c.method().equals(method) && c.route().equals(route)).toList();
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

    /** Waits until the watcher has read the scheduled events {@code rounds} more times: rounds, not seconds, pass. */
    private void awaitMoreRounds(int rounds) throws InterruptedException {
        int seen = requests("GET", "/metadata/scheduledevents").size();
        waitFor(rounds + " more rounds of the watcher", 30,
                () -> requests("GET", "/metadata/scheduledevents").size() >= seen + rounds);
    }

    private static String scheduledEvents(String resource, Instant notBefore) {
        return document(2, terminate(EVENT_ID, notBefore, resource));
    }

    private void standInMetadata(Function<Request, Reply> scheduledEvents) {
        routes.put("GET /metadata/instance/compute/name", request -> new Reply(200, "text/plain", VM_NAME));
        routes.put("GET /metadata/scheduledevents?api-version=2020-07-01", scheduledEvents);
        routes.put("POST /metadata/scheduledevents?api-version=2020-07-01", request -> new Reply(200, "text/plain", ""));
    }

    private static Reply drainState(int status, String state) {
        return Reply.json(status, "{\"node\":\"" + NODE + "\",\"state\":\"" + state + "\"}");
    }

    @Test
    void joinLeavesStaleStateThenJoinsWithTheTicketAfterRetries() throws IOException {
        Files.writeString(swarmState, "active\n");
        AtomicInteger calls = new AtomicInteger();
        nodeRoute("POST", "join", request -> calls.incrementAndGet() <= 2
                ? Reply.json(503, "{\"error\":\"swarm_not_initialised\",\"message\":\"no swarm yet\"}")
                : Reply.json(200, "{\"token\":\"SWMTKN-1-abc\",\"managers\":[\"10.0.0.4:2377\",\"10.0.0.5:2377\"]}"));

        HostTools.Result result = run("harbormaster-join", 60);

        assertEquals(0, result.exitCode(), result.output());
        assertEquals(List.of("info --format {{.Swarm.LocalNodeState}}", "swarm leave --force",
                "swarm join --token SWMTKN-1-abc 10.0.0.4:2377"), dockerCalls());
        List<NodeCall> joins = nodeCalls("POST", "join");
        assertEquals(3, joins.size(), "every attempt was admitted as this VM");
        joins.forEach(join -> assertEquals("{\"role\":\"worker\"}", join.payload()));
        assertEquals(3, requests("POST", "/api/node/join").size(), "no attempt was refused");
        assertTrue(result.output().contains("joined the swarm as a worker through 10.0.0.4:2377"), result.output());
        assertTrue(result.output().contains("the join function answered HTTP 503: no swarm yet"), result.output());
        assertFalse(result.output().contains("SWMTKN"), "the token is never logged");
    }

    @Test
    void joinGivesUpAfterBoundedAttemptsWithOneClearLine() throws IOException {
        writeEnv(Map.of("HARBORMASTER_JOIN_ATTEMPTS", "3"));
        nodeRoute("POST", "join", request -> Reply.json(503, "{\"error\":\"no_manager_reachable\"}"));

        HostTools.Result result = run("harbormaster-join", 60);

        assertEquals(1, result.exitCode(), result.output());
        assertEquals(3, nodeCalls("POST", "join").size());
        assertTrue(result.output().contains(
                "harbormaster-join: FAILED to join the swarm as a worker after 3 attempts; last error: the join function answered HTTP 503"),
                result.output());
        assertFalse(dockerCalls().stream().anyMatch(call -> call.startsWith("swarm join")));
    }

    @Test
    void joinWithoutAnAttestedDocumentSaysSoAndDoesNotJoin() throws IOException {
        writeEnv(Map.of("HARBORMASTER_JOIN_ATTEMPTS", "2"));
        routes.put("GET /metadata/attested/document?", request -> Reply.json(500, "{\"error\":\"unavailable\"}"));
        nodeRoute("POST", "join", request -> Reply.json(200, "{\"token\":\"SWMTKN-1-abc\",\"managers\":[\"10.0.0.4:2377\"]}"));

        HostTools.Result result = run("harbormaster-join", 60);

        assertEquals(1, result.exitCode(), result.output());
        assertEquals(List.of(), requests("POST", "/api/node/join"), "nothing unproven is sent");
        assertTrue(result.output().contains("no attested document from IMDS"), result.output());
        assertFalse(dockerCalls().stream().anyMatch(call -> call.startsWith("swarm join")));
    }

    @Test
    void watcherDrainsAndApprovesTheTerminateEventOnlyOnceTheNodeIsDrained() throws Exception {
        AtomicInteger statusPolls = new AtomicInteger();
        Instant notBefore = Instant.now().plusSeconds(600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        standInMetadata(request -> requests("POST", "/metadata/scheduledevents").isEmpty()
                ? Reply.json(200, scheduledEvents(VM_NAME, notBefore))
                : Reply.json(200, "{\"DocumentIncarnation\":3,\"Events\":[]}"));
        nodeRoute("POST", "drain", request -> drainState(202, "requested"));
        nodeRoute("GET", "drain", request -> drainState(200, statusPolls.incrementAndGet() < 3 ? "draining" : "drained"));

        start("harbormaster-terminate-watcher");
        waitFor("the approval", 60, () -> !requests("POST", "/metadata/scheduledevents").isEmpty());

        List<NodeCall> drains = nodeCalls("POST", "drain");
        assertEquals(1, drains.size());
        assertEquals("{\"reason\":\"terminate-notification\",\"deadline\":\"" + notBefore + "\"}", drains.get(0).payload(),
                "the event's NotBefore is the drain's deadline");
        assertEquals(Proof.ATTESTATION, drains.get(0).proof());
        List<NodeCall> polls = nodeCalls("GET", "drain");
        assertEquals(3, polls.size(), "polled until drained");
        polls.forEach(poll -> assertEquals(Proof.CREDENTIAL, poll.proof(), "the drain's credential is kept and presented"));
        assertEquals(List.of(), requests("POST", "/api/node/credential"), "no second attestation while the credential holds");
        assertEquals(1, requests("GET", "/api/node/nonce").size());
        Request approval = requests("POST", "/metadata/scheduledevents").get(0);
        assertEquals("{\"StartRequests\":[{\"EventId\":\"" + EVENT_ID + "\"}]}", approval.body());
        assertEquals("true", approval.header("metadata"));
        assertTrue(approval.at() > polls.get(2).at(), "approved only after the drain was reported done");
        requests("GET", "/metadata/").forEach(get -> assertEquals("true", get.header("metadata")));
        awaitMoreRounds(2);
        assertEquals(1, requests("POST", "/metadata/scheduledevents").size(), "an event is approved once");
    }

    @Test
    void aSpotEvictionIsDrainedAsPreemptAndApprovedOnceDrained() throws Exception {
        // Learn, "Scheduled Events": a Spot VM's eviction is a Preempt event, at least 30 s ahead.
        Instant notBefore = Instant.now().plusSeconds(30).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String preempt = terminate(EVENT_ID, notBefore, VM_NAME).replace("\"Terminate\"", "\"Preempt\"");
        standInMetadata(request -> requests("POST", "/metadata/scheduledevents").isEmpty()
                ? Reply.json(200, document(2, preempt)) : Reply.json(200, document(3)));
        nodeRoute("POST", "drain", request -> drainState(202, "requested"));
        nodeRoute("GET", "drain", request -> drainState(200, "drained"));

        start("harbormaster-terminate-watcher");
        waitFor("the approval", 30, () -> !requests("POST", "/metadata/scheduledevents").isEmpty());

        assertEquals("{\"reason\":\"preempt\",\"deadline\":\"" + notBefore + "\"}", nodeCalls("POST", "drain").get(0).payload(),
                "drained with the notice as its deadline");
        assertTrue(watcherLog().contains("Preempt event " + EVENT_ID), watcherLog());
    }

    @Test
    void watcherApprovesOnceItsNodeIsNoLongerInTheSwarm() throws Exception {
        standInMetadata(request -> requests("POST", "/metadata/scheduledevents").isEmpty()
                ? Reply.json(200, scheduledEvents(VM_NAME, Instant.now().plusSeconds(600)))
                : Reply.json(200, document(3)));
        nodeRoute("POST", "drain", request -> Reply.json(404, "{\"error\":\"unknown_node\",\"message\":\"no node\"}"));

        start("harbormaster-terminate-watcher");
        waitFor("the approval", 30, () -> !requests("POST", "/metadata/scheduledevents").isEmpty());

        assertEquals(1, nodeCalls("POST", "drain").size());
        assertTrue(requests("POST", "/metadata/scheduledevents").get(0).at() > nodeCalls("POST", "drain").get(0).at());
        assertTrue(watcherLog().contains("node " + NODE + " is gone"), watcherLog());
    }

    @Test
    void watcherIgnoresEventsForOtherMachines() throws Exception {
        standInMetadata(request -> Reply.json(200, scheduledEvents("harbormaster-agents_7", Instant.now().plusSeconds(600))));
        start("harbormaster-terminate-watcher");
        waitFor("three polls", 30, () -> requests("GET", "/metadata/scheduledevents").size() >= 3);
        assertEquals(List.of(), requests("POST", "/api/"));
        assertEquals(List.of(), requests("GET", "/api/"));
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

    /** The watcher's log so far, for a condition polled while the watcher writes it ("" when unreadable now). */
    private String watcherLogQuietly() {
        try {
            return watcherLog();
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void watcherNeverApprovesAnUndrainedNodeAndAzureStartsAtNotBefore() throws Exception {
        Instant notBefore = Instant.now().plusSeconds(5);
        standInMetadata(request -> Reply.json(200, scheduledEvents(VM_NAME, notBefore)));
        nodeRoute("POST", "drain", request -> drainState(202, "requested"));
        nodeRoute("GET", "drain", request -> drainState(200, "draining"));

        start("harbormaster-terminate-watcher");
        waitFor("NotBefore to pass", 30, () -> Instant.now().isAfter(notBefore));
        waitFor("the watcher to see NotBefore pass", 30, () -> watcherLogQuietly().contains("NotBefore of event " + EVENT_ID));
        // Rounds after NotBefore too: it does not approve late either.
        awaitMoreRounds(2);

        assertEquals(List.of(), requests("POST", "/metadata/scheduledevents"), "approved while the node was draining");
        assertTrue(nodeCalls("GET", "drain").size() >= 2, "kept reading the drain until NotBefore");
        assertTrue(watcherLog().contains("NotBefore of event " + EVENT_ID + " has passed with node " + NODE
                + " draining; not approved"), watcherLog());
    }

    @Test
    void watcherCallsEndBeforeNotBeforeWhenTheControlPlaneIsSlow() throws Exception {
        Instant notBefore = Instant.now().plusSeconds(5);
        standInMetadata(request -> Reply.json(200, scheduledEvents(VM_NAME, notBefore)));
        nodeRoute("POST", "drain", request -> {
            sleepQuietly(20_000);
            return drainState(202, "requested");
        });

        start("harbormaster-terminate-watcher");
        waitFor("the watcher to see NotBefore pass", 30,
                () -> watcherLogQuietly().contains("NotBefore of event " + EVENT_ID + " has passed"));

        // Without the bound, the node call's own 20 s would carry the call 15 s or more past NotBefore.
        Instant seen = Instant.now();
        assertTrue(seen.isBefore(notBefore.plusSeconds(4)), "the slow call ran to " + seen + ", NotBefore " + notBefore);
        assertFalse(requests("POST", "/api/node/drain").isEmpty(), "the drain was asked for");
        assertEquals(List.of(), requests("POST", "/metadata/scheduledevents"));
    }

    @Test
    void aTerminateCancelledMidDrainCallsOffTheDrain() throws Exception {
        AtomicInteger documents = new AtomicInteger();
        standInMetadata(request -> Reply.json(200, documents.incrementAndGet() <= 3
                ? scheduledEvents(VM_NAME, Instant.now().plusSeconds(600))
                : document(3)));
        nodeRoute("POST", "drain", request -> drainState(202, "requested"));
        nodeRoute("GET", "drain", request -> drainState(200, "draining"));
        nodeRoute("DELETE", "drain", request -> drainState(200, "cancelled"));

        start("harbormaster-terminate-watcher");
        waitFor("the drain to be called off", 30, () -> !nodeCalls("DELETE", "drain").isEmpty());

        NodeCall cancel = nodeCalls("DELETE", "drain").get(0);
        assertEquals(Proof.CREDENTIAL, cancel.proof());
        assertEquals("", cancel.payload());
        assertTrue(cancel.at() > nodeCalls("GET", "drain").get(0).at(), "called off mid-drain");
        // Once more a round later, in case a drain pass under way set the node to drain again; then never again.
        waitFor("the drain to be called off once more", 30, () -> nodeCalls("DELETE", "drain").size() >= 2);
        awaitMoreRounds(2);
        assertEquals(2, requests("DELETE", "/api/node/drain").size(), "called off twice, not more");
        assertEquals(List.of(), requests("POST", "/metadata/scheduledevents"));
        assertTrue(watcherLog().contains("Azure cancelled it"), watcherLog());
        assertFalse(watcherLog().contains("proceeds at NotBefore anyway"), watcherLog());
    }

    @Test
    void aTerminateOfSeveralVmsDrainsOnlyItsOwnNodeAndIsNeverApproved() throws Exception {
        standInMetadata(request -> Reply.json(200, document(2, terminate(EVENT_ID, Instant.now().plusSeconds(600),
                "harbormaster-agents_35", VM_NAME, "harbormaster-agents_36"))));
        nodeRoute("POST", "drain", request -> drainState(202, "requested"));
        nodeRoute("GET", "drain", request -> drainState(200, "drained"));

        start("harbormaster-terminate-watcher");
        waitFor("four rounds after the drain, or an approval", 30, () -> nodeCalls("GET", "drain").size() >= 4
                || !requests("POST", "/metadata/scheduledevents").isEmpty());

        assertEquals(List.of(), requests("POST", "/metadata/scheduledevents"), "an event of several VMs is never approved");
        List<NodeCall> drains = nodeCalls("POST", "drain");
        assertEquals(1, drains.size());
        assertTrue(drains.get(0).payload().startsWith("{\"reason\":\"terminate-notification\",\"deadline\":\""),
                drains.get(0).payload());
        synchronized (requests) {
            requests.stream().filter(r -> r.path().startsWith("/api/")).forEach(r -> assertTrue(
                    Set.of("/api/node/nonce", "/api/node/drain").contains(r.path()), "only its own node's routes: " + r.path()));
            assertFalse(requests.stream().anyMatch(r -> r.body().contains("agents_35") || r.path().contains("agents_35")
                    || r.body().contains("agents_36") || r.path().contains("agents_36")), "nothing asked about the other VMs");
        }
        assertTrue(watcherLog().contains("node " + NODE + " is drained"), watcherLog());
        assertTrue(watcherLog().contains("event " + EVENT_ID + " lists 3 VMs: not approved"), watcherLog());
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
        nodeRoute("POST", "drain", request -> drainState(202, "requested"));
        nodeRoute("GET", "drain", request -> drainState(200, "drained"));

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
        nodeRoute("POST", "drain", request -> drainState(202, "requested"));
        nodeRoute("GET", "drain", request -> drainState(200, polls.incrementAndGet() < 3 ? "draining" : "drained"));

        start("harbormaster-terminate-watcher");
        waitFor("the approval", 30, () -> !requests("POST", "/metadata/scheduledevents").isEmpty());

        assertEquals(3, nodeCalls("GET", "drain").size());
        assertTrue(requests("POST", "/metadata/scheduledevents").get(0).at() > nodeCalls("GET", "drain").get(2).at());
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
        nodeRoute("POST", "drain", request -> drainState(202, "requested"));
        nodeRoute("GET", "drain", request -> drainState(200, statusPolls.incrementAndGet() < 2 ? "draining" : "drained"));

        HostTools.Result result = run("harbormaster-drain-on-shutdown", 60);

        assertEquals(0, result.exitCode(), result.output());
        List<NodeCall> drains = nodeCalls("POST", "drain");
        assertEquals(1, drains.size());
        assertEquals("{\"reason\":\"shutdown\"}", drains.get(0).payload());
        assertEquals(2, nodeCalls("GET", "drain").size());
        assertEquals(List.of("info --format {{.Swarm.LocalNodeState}}", "swarm leave"), dockerCalls());
        assertTrue(result.output().contains("node " + NODE + " is drained"), result.output());
    }

    @Test
    void shutdownLooksEverySecondByDefaultSoItLeavesSoonAfterTheDrainIsDone() throws IOException {
        Files.writeString(swarmState, "active\n");
        // The terminate watcher's poll setting does not slow the shutdown's own.
        writeEnv(Map.of("HARBORMASTER_DRAIN_POLL_SECONDS", "5"));
        AtomicInteger statusPolls = new AtomicInteger();
        nodeRoute("POST", "drain", request -> drainState(202, "requested"));
        nodeRoute("GET", "drain", request -> drainState(200, statusPolls.incrementAndGet() < 3 ? "draining" : "drained"));

        HostTools.Result result = run("harbormaster-drain-on-shutdown", 60);

        assertEquals(0, result.exitCode(), result.output());
        List<NodeCall> polls = nodeCalls("GET", "drain");
        assertEquals(3, polls.size());
        // Measured between the reads as the control plane sees them, so a loaded machine's slower calls do not count.
        for (int i = 1; i < polls.size(); i++) {
            long gap = TimeUnit.NANOSECONDS.toMillis(polls.get(i).at() - polls.get(i - 1).at());
            assertTrue(gap >= 900 && gap < 4000, "reads a second apart, not five: " + gap + " ms");
        }
        assertTrue(dockerCalls().contains("swarm leave"), result.output());
    }

    @Test
    void shutdownLeavesAfterABoundedWaitWhenTheControlPlaneIsDown() throws IOException {
        Files.writeString(swarmState, "active\n");
        writeEnv(Map.of("HARBORMASTER_SHUTDOWN_DRAIN_SECONDS", "1"));
        routes.put("GET /api/node/nonce", request -> Reply.json(503, "{\"error\":\"unavailable\"}"));
        nodeRoute("POST", "drain", request -> Reply.json(503, "{\"error\":\"unavailable\"}"));

        long start = System.nanoTime();
        HostTools.Result result = run("harbormaster-drain-on-shutdown", 60);

        assertEquals(0, result.exitCode(), result.output());
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 15, "bounded wait");
        assertFalse(requests("GET", "/api/node/nonce").isEmpty(), "it tried");
        assertTrue(result.output().contains("still unknown after 1s; leaving anyway"), result.output());
        assertTrue(dockerCalls().contains("swarm leave"), result.output());
    }

    // harbormaster-node-call on its own.

    private Path reply() {
        return dir.resolve("reply.json");
    }

    private JsonNode kept() throws IOException {
        return JSON.readTree(Files.readString(credentialFile));
    }

    @Test
    void nodeCallAttestsWithoutACredentialKeepsTheOneItGetsAndPresentsItNextTime() throws IOException {
        nodeRoute("POST", "drain", request -> drainState(202, "requested"));
        nodeRoute("GET", "drain", request -> drainState(200, "draining"));

        HostTools.Result first = run("harbormaster-node-call", 30, "POST", "drain", reply().toString(), "{\"reason\":\"shutdown\"}");

        assertEquals(0, first.exitCode(), first.output());
        assertEquals("202\n", first.output());
        Request nonce = requests("GET", "/api/node/nonce").get(0);
        assertEquals("text/plain", nonce.header("accept"));
        List<Request> signings = requests("GET", "/metadata/attested/document");
        assertEquals(1, signings.size());
        String issued = Long.toString(nextNonce.get());
        assertEquals("/metadata/attested/document?api-version=2021-02-01&nonce=" + issued, signings.get(0).path());
        assertEquals("true", signings.get(0).header("metadata"));
        Request drain = requests("POST", "/api/node/drain").get(0);
        assertEquals("", drain.header("authorization"));
        JsonNode sent = JSON.readTree(drain.body());
        assertEquals(issued, sent.path("nonce").asText());
        assertEquals(documents.get(issued).get(0), sent.path("attestation"), "the document IMDS signed, as it was");
        assertEquals("shutdown", sent.path("reason").asText());
        JsonNode answer = JSON.readTree(Files.readString(reply()));
        assertEquals("requested", answer.path("state").asText(), "the reply's body is left in REPLY-FILE");
        String credential = answer.path("credential").asText();
        assertTrue(credential.startsWith("cred-"), answer.toString());

        assertEquals(credential, kept().path("credential").asText());
        long expiresAt = kept().path("expiresAt").asLong();
        assertTrue(Math.abs(expiresAt - credentials.get(credential).getEpochSecond()) <= 1, kept().toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(credentialFile)));

        HostTools.Result second = run("harbormaster-node-call", 30, "GET", "drain", reply().toString());

        assertEquals("200\n", second.output());
        assertEquals(1, requests("GET", "/api/node/nonce").size(), "no second attestation");
        assertEquals(1, requests("GET", "/metadata/attested/document").size());
        assertEquals(List.of(), requests("POST", "/api/node/credential"));
        assertEquals("Bearer " + credential, requests("GET", "/api/node/drain").get(0).header("authorization"));
        assertEquals("draining", JSON.readTree(Files.readString(reply())).path("state").asText());
    }

    @Test
    void nodeCallDoesNotPresentACredentialWithAMinuteOrLessLeft() throws IOException {
        Files.createDirectories(credentialFile.getParent());
        String expiring = "cred-expiring";
        Instant soon = Instant.now().plusSeconds(45);
        credentials.put(expiring, soon);
        Files.writeString(credentialFile, "{\"credential\":\"" + expiring + "\",\"expiresAt\":" + soon.getEpochSecond() + "}");
        nodeRoute("POST", "drain", request -> drainState(202, "requested"));

        HostTools.Result result = run("harbormaster-node-call", 30, "POST", "drain", reply().toString(), "{\"reason\":\"shutdown\"}");

        assertEquals("202\n", result.output());
        assertEquals(Proof.ATTESTATION, nodeCalls("POST", "drain").get(0).proof());
        assertEquals(1, requests("POST", "/api/node/drain").size());
        assertNotEquals(expiring, kept().path("credential").asText(), "the fresh credential replaced it");
    }

    @Test
    void nodeCallDropsARefusedCredentialAndAttestsOnceMore() throws IOException {
        Files.createDirectories(credentialFile.getParent());
        Files.writeString(credentialFile, "{\"credential\":\"cred-from-an-older-key\",\"expiresAt\":"
                + Instant.now().plusSeconds(600).getEpochSecond() + "}");
        nodeRoute("POST", "drain", request -> drainState(202, "requested"));

        HostTools.Result result = run("harbormaster-node-call", 30, "POST", "drain", reply().toString(), "{\"reason\":\"shutdown\"}");

        assertEquals("202\n", result.output());
        List<Request> drains = requests("POST", "/api/node/drain");
        assertEquals(2, drains.size());
        assertEquals("Bearer cred-from-an-older-key", drains.get(0).header("authorization"));
        assertEquals("", drains.get(1).header("authorization"));
        assertEquals(1, requests("GET", "/api/node/nonce").size(), "attested once");
        assertEquals(Proof.ATTESTATION, nodeCalls("POST", "drain").get(0).proof());
        String fresh = kept().path("credential").asText();
        assertTrue(credentials.containsKey(fresh), "the new credential is kept: " + fresh);
    }

    @Test
    void aDeleteWhoseCredentialIsRefusedBuysAFreshOneAndCallsAgain() throws IOException {
        Files.createDirectories(credentialFile.getParent());
        Files.writeString(credentialFile, "{\"credential\":\"cred-of-a-restarted-app\",\"expiresAt\":"
                + Instant.now().plusSeconds(600).getEpochSecond() + "}");
        nodeRoute("DELETE", "drain", request -> drainState(200, "cancelled"));

        HostTools.Result result = run("harbormaster-node-call", 30, "DELETE", "drain", reply().toString());

        assertEquals("200\n", result.output());
        List<Request> deletes = requests("DELETE", "/api/node/drain");
        assertEquals(2, deletes.size());
        assertEquals("Bearer cred-of-a-restarted-app", deletes.get(0).header("authorization"));
        assertEquals(1, requests("POST", "/api/node/credential").size(), "a fresh credential bought once");
        String fresh = kept().path("credential").asText();
        assertTrue(credentials.containsKey(fresh), fresh);
        assertEquals("Bearer " + fresh, deletes.get(1).header("authorization"));
        assertEquals(1, nodeCalls("DELETE", "drain").size());
    }

    @Test
    void nodeCallAttestsOnlyOnceMoreWhenTheAttestedCallIsRefusedToo() throws IOException {
        Files.createDirectories(credentialFile.getParent());
        Files.writeString(credentialFile, "{\"credential\":\"cred-unknown\",\"expiresAt\":"
                + Instant.now().plusSeconds(600).getEpochSecond() + "}");
        routes.put("POST /api/node/drain", request -> Reply.json(401, "{\"error\":\"unknown_machine\"}"));

        HostTools.Result result = run("harbormaster-node-call", 30, "POST", "drain", reply().toString(), "{\"reason\":\"shutdown\"}");

        assertEquals("401\n", result.output());
        assertEquals(2, requests("POST", "/api/node/drain").size(), "the credential, then one attested call");
        assertEquals(1, requests("GET", "/api/node/nonce").size());
        assertFalse(Files.exists(credentialFile), "the refused credential is forgotten");
    }

    @Test
    void nodeCallBuysACredentialBeforeAGetItHasNoCredentialFor() throws IOException {
        nodeRoute("GET", "drain", request -> drainState(200, "drained"));

        HostTools.Result result = run("harbormaster-node-call", 30, "GET", "drain", reply().toString());

        assertEquals("200\n", result.output());
        Request nonce = requests("GET", "/api/node/nonce").get(0);
        Request signing = requests("GET", "/metadata/attested/document").get(0);
        Request purchase = requests("POST", "/api/node/credential").get(0);
        Request read = requests("GET", "/api/node/drain").get(0);
        assertTrue(nonce.at() < signing.at() && signing.at() < purchase.at() && purchase.at() < read.at(),
                "nonce, document, credential, then the call");
        JsonNode sent = JSON.readTree(purchase.body());
        assertEquals(Set.of("nonce", "attestation"), iterableToSet(sent.fieldNames()), "the credential route gets the proof alone");
        assertEquals("", read.body());
        assertEquals(1, requests("GET", "/api/node/drain").size());
        String credential = kept().path("credential").asText();
        assertTrue(credentials.containsKey(credential), credential);
        assertEquals("Bearer " + credential, read.header("authorization"));
        assertEquals("drained", JSON.readTree(Files.readString(reply())).path("state").asText());
    }

    private static Set<String> iterableToSet(java.util.Iterator<String> names) {
        Set<String> set = new java.util.TreeSet<>();
        names.forEachRemaining(set::add);
        return set;
    }

    @Test
    void nodeCallAsksImdsAgainWithTheSameNonceWhenTheDocumentWasACachedOne() throws IOException {
        retryAttestations.set(1);
        nodeRoute("POST", "join", request -> Reply.json(200, "{\"token\":\"t\",\"managers\":[\"10.0.0.4:2377\"]}"));

        HostTools.Result result = run("harbormaster-node-call", 30, "POST", "join", reply().toString(), "{\"role\":\"worker\"}");

        assertEquals("200\n", result.output());
        assertEquals(1, requests("GET", "/api/node/nonce").size(), "one nonce");
        List<Request> signings = requests("GET", "/metadata/attested/document");
        assertEquals(2, signings.size(), "IMDS asked again");
        assertEquals(signings.get(0).path(), signings.get(1).path(), "for the same nonce");
        List<Request> joins = requests("POST", "/api/node/join");
        assertEquals(2, joins.size());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(signings.get(1).at() - joins.get(0).at()) >= 1900,
                "after the 2 s IMDS needs to sign afresh");
        JsonNode second = JSON.readTree(joins.get(1).body());
        String issued = Long.toString(nextNonce.get());
        assertEquals(documents.get(issued).get(1), second.path("attestation"), "the second document went with the retry");
        assertEquals(Proof.ATTESTATION, nodeCalls("POST", "join").get(0).proof());
    }

    @Test
    void nodeCallAsksImdsAgainOnlyOnce() throws IOException {
        retryAttestations.set(5);
        nodeRoute("POST", "join", request -> Reply.json(200, "{\"token\":\"t\",\"managers\":[\"10.0.0.4:2377\"]}"));

        HostTools.Result result = run("harbormaster-node-call", 30, "POST", "join", reply().toString(), "{\"role\":\"worker\"}");

        assertEquals("409\n", result.output());
        assertEquals(2, requests("GET", "/metadata/attested/document").size());
        assertEquals(2, requests("POST", "/api/node/join").size());
        assertFalse(Files.exists(credentialFile));
    }

    @Test
    void nodeCallDoesNotAskImdsAgainWhenItsTimeIsTooShortForTheWait() throws IOException {
        retryAttestations.set(1);
        nodeRoute("POST", "drain", request -> drainState(202, "requested"));

        HostTools.Result result = HostTools.run(List.of(dir.resolve("bin").resolve("harbormaster-node-call").toString(),
                "POST", "drain", reply().toString(), "{\"reason\":\"terminate-notification\"}"),
                withEnvironment("HARBORMASTER_CALL_MAX_SECONDS", "2"), 30);

        // Waiting 2 s for IMDS to sign afresh would carry the call past its bound (the watcher's is NotBefore).
        assertEquals("409\n", result.output());
        assertEquals(1, requests("GET", "/metadata/attested/document").size());
        assertEquals(1, requests("POST", "/api/node/drain").size());
    }

    private Map<String, String> withEnvironment(String name, String value) {
        Map<String, String> environment = new HashMap<>(environment());
        environment.put(name, value);
        return environment;
    }

    @Test
    void neitherTheCredentialNorTheDocumentIsOnAnyCommandLineOrInTheLogs() throws Exception {
        standInMetadata(request -> requests("POST", "/metadata/scheduledevents").isEmpty()
                ? Reply.json(200, scheduledEvents(VM_NAME, Instant.now().plusSeconds(600)))
                : Reply.json(200, document(3)));
        nodeRoute("POST", "drain", request -> drainState(202, "requested"));
        nodeRoute("GET", "drain", request -> drainState(200, "drained"));
        nodeRoute("POST", "join", request -> Reply.json(200, "{\"token\":\"SWMTKN-1-abc\",\"managers\":[\"10.0.0.4:2377\"]}"));

        HostTools.Result join = run("harbormaster-join", 60);
        assertEquals(0, join.exitCode(), join.output());
        HostTools.Result read = run("harbormaster-node-call", 30, "GET", "drain", reply().toString());
        assertEquals("200\n", read.output());
        // A GET with no credential of its own: through the credential route.
        Files.delete(credentialFile);
        HostTools.Result bought = run("harbormaster-node-call", 30, "GET", "drain", reply().toString());
        assertEquals("200\n", bought.output());
        // The watcher attests afresh too.
        Files.delete(credentialFile);
        start("harbormaster-terminate-watcher");
        waitFor("the approval", 30, () -> !requests("POST", "/metadata/scheduledevents").isEmpty());

        List<String> secrets = new ArrayList<>(credentials.keySet());
        documents.values().forEach(list -> list.forEach(document -> secrets.add(document.path("signature").asText())));
        assertTrue(secrets.size() >= 6, "credentials and documents were issued: " + secrets);
        String bodies;
        synchronized (requests) {
            bodies = requests.stream().map(r -> r.body() + " " + r.header("authorization")).reduce("", String::concat);
        }
        String commandLines = Files.readString(argvLog);
        assertTrue(commandLines.contains("curl ") && commandLines.contains("python3 "), "the command lines were recorded");
        String logs = join.output() + read.output() + bought.output() + watcherLog();
        for (String secret : secrets) {
            assertTrue(bodies.contains(secret), "the stand-in saw " + secret);
            assertFalse(commandLines.contains(secret), "on a command line: " + secret);
            assertFalse(logs.contains(secret), "in a log: " + secret);
        }
        // Stand-in curl and python3 see what goes on their command lines; ps would show the same to every process.
        assertTrue(commandLines.contains("-K -"), "the credential goes to curl on stdin: " + commandLines);
    }
}
