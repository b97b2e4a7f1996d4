package io.harbormaster.emulator.imds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.harbormaster.emulator.http.HttpListener;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The emulated Instance Metadata Service for many VMs at once: plain HTTP on a given address, each caller known by its
 * remote address through {@link ImdsBackend#vmAt}. Every behaviour and its Learn source is in this package's README.md.
 */
public final class ImdsServer implements AutoCloseable {
    /** Learn: "requests to IMDS are limited to 5 requests per second (on a per VM basis)". */
    public static final double DOCUMENTED_REQUESTS_PER_SECOND = 5;
    static final String API_VERSION_ERROR =
            "Bad request. api-version is invalid or was not specified in the request. For more information refer to aka.ms/azureimds";
    private static final Logger LOG = Logger.getLogger(ImdsServer.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final String TEXT_TYPE = "text/plain; charset=utf-8";

    private final HttpListener listener;
    private final ImdsBackend backend;
    private final AttestedDocuments attested;
    private final RateLimiter limiter;

    /**
     * Binds {@code address} (port 0 for an ephemeral one) without serving yet; {@code requestsPerSecond} is each VM's
     * allowance before 429 ({@link #DOCUMENTED_REQUESTS_PER_SECOND} as Azure, more for a lenient dev setup).
     */
    public ImdsServer(InetSocketAddress address, ImdsBackend backend, AttestedDocuments attested, double requestsPerSecond)
            throws IOException {
        this.backend = backend;
        this.attested = attested;
        this.limiter = new RateLimiter(requestsPerSecond, System::nanoTime);
        this.listener = HttpListener.http(address, "imds-" + address.getPort(), 4, this::handle);
    }

    public ImdsServer start() {
        listener.start();
        return this;
    }

    /** The bound address, with the real port when port 0 was asked for. */
    public InetSocketAddress address() {
        return listener.address();
    }

    /** The base URL, as HARBORMASTER_IMDS_URL takes it: {@code http://host:port}. */
    public URI url() {
        return URI.create("http://" + listener.authority());
    }

    @Override
    public void close() {
        listener.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Reply reply;
            try {
                reply = answer(exchange);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "IMDS emulator failed on " + exchange.getRequestURI().getPath(), e);
                reply = Reply.error(500, "Internal server error");
            }
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", reply.contentType());
            exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                exchange.getResponseBody().write(bytes);
            }
        }
    }

    private Reply answer(HttpExchange exchange) throws IOException {
        InetAddress caller = exchange.getRemoteAddress().getAddress();
        Optional<VmMetadata> found = backend.vmAt(caller);
        if (found.isEmpty()) {
            // Real IMDS answers only its own VM's primary IP; other sources time out. A loud 403 serves a test better.
            LOG.fine(() -> "IMDS refused " + caller.getHostAddress() + ": not a VM's address");
            return Reply.error(403, "Forbidden. " + caller.getHostAddress() + " is not the primary IP address of any VM");
        }
        VmMetadata vm = found.get();
        if (!limiter.tryAcquire(vm.vmId())) {
            return Reply.error(429, "Too many requests");
        }
        if (exchange.getRequestHeaders().containsKey("X-Forwarded-For")) {
            return Reply.error(400, "Bad request. Requests with an X-Forwarded-For header are not accepted");
        }
        if (!"true".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Metadata"))) {
            return Reply.error(400, "Bad request. Required metadata header not specified");
        }
        Query query;
        try {
            query = Query.parse(exchange.getRequestURI().getRawQuery());
        } catch (IllegalArgumentException refused) {
            return Reply.error(400, "Bad request. " + refused.getMessage());
        }
        String path = exchange.getRequestURI().getPath().replaceAll("/+$", "");
        String method = exchange.getRequestMethod();
        if (path.equals("/metadata/versions")) {
            return method.equals("GET") ? versions() : notAllowed();
        }
        if (path.equals("/metadata/instance") || path.startsWith("/metadata/instance/")) {
            return versioned(ApiVersions.Category.INSTANCE, query, method, "GET", () -> instance(vm, caller, path, query));
        }
        if (path.equals("/metadata/scheduledevents")) {
            return versioned(ApiVersions.Category.SCHEDULED_EVENTS, query, method, method.equals("POST") ? "POST" : "GET",
                    () -> method.equals("POST") ? approve(vm, exchange) : events(vm, query));
        }
        if (path.equals("/metadata/attested/document")) {
            return versioned(ApiVersions.Category.ATTESTED, query, method, "GET", () -> attested(vm, query));
        }
        return Reply.error(404, "Not found");
    }

    private interface Answer {
        Reply get() throws IOException;
    }

    private static Reply versioned(ApiVersions.Category category, Query query, String method, String allowed, Answer answer)
            throws IOException {
        String version = query.get("api-version");
        if (version == null || !category.accepts(version)) {
            ObjectNode body = JSON.createObjectNode().put("error", API_VERSION_ERROR);
            category.newest().forEach(body.putArray("newest-versions")::add);
            return Reply.json(400, body);
        }
        return method.equals(allowed) ? answer.get() : notAllowed();
    }

    private static Reply notAllowed() {
        return Reply.error(405, "Method not allowed");
    }

    private static Reply versions() {
        ObjectNode body = JSON.createObjectNode();
        var list = body.putArray("apiVersions");
        List<String> oldestFirst = new ArrayList<>(ApiVersions.IMDS);
        java.util.Collections.reverse(oldestFirst);
        oldestFirst.forEach(list::add);
        return Reply.json(200, body);
    }

    private static Reply instance(VmMetadata vm, InetAddress caller, String path, Query query) {
        List<String> route = Arrays.stream(path.substring("/metadata/instance".length()).split("/"))
                .filter(step -> !step.isEmpty()).toList();
        Optional<JsonNode> node = InstanceDocument.at(InstanceDocument.of(vm, caller), route);
        if (node.isEmpty()) {
            return Reply.error(404, "Not found");
        }
        String format = query.get("format") == null ? "json" : query.get("format");
        return switch (format) {
            case "text" -> new Reply(200, TEXT_TYPE, InstanceDocument.text(node.get()));
            // Learn: "When filtering to a leaf node, format=json doesn't work"; the errors table makes that a 400.
            case "json" -> node.get().isValueNode()
                    ? Reply.error(400, "Bad request. Leaf nodes can only be queried with format=text")
                    : new Reply(200, JSON_TYPE, node.get().toString());
            default -> Reply.error(400, "Bad request. Invalid format: json or text");
        };
    }

    private Reply events(VmMetadata vm, Query query) {
        return Reply.json(200, EventsJson.of(backend.scheduledEvents(vm), query.get("api-version")));
    }

    private Reply approve(VmMetadata vm, HttpExchange exchange) throws IOException {
        List<String> ids = new ArrayList<>();
        try {
            JsonNode requests = JSON.readTree(exchange.getRequestBody()).path("StartRequests");
            if (!requests.isArray()) {
                return Reply.error(400, "Bad request. The body must be {\"StartRequests\":[{\"EventId\":...}]}");
            }
            for (JsonNode request : requests) {
                if (!request.path("EventId").isTextual()) {
                    return Reply.error(400, "Bad request. Every StartRequests entry needs an EventId");
                }
                ids.add(request.path("EventId").asText());
            }
        } catch (IOException | RuntimeException malformed) {
            return Reply.error(400, "Bad request. The body is not JSON");
        }
        // Learn promises 200 for a valid id; an id that is no current event of this VM is our choice of 400.
        List<String> unknown = ids.stream().filter(id -> !backend.approve(vm, id)).toList();
        return unknown.isEmpty()
                ? new Reply(200, JSON_TYPE, "")
                : Reply.error(400, "Bad request. No current scheduled event of this VM has EventId " + String.join(", ", unknown));
    }

    private Reply attested(VmMetadata vm, Query query) {
        String nonce = query.get("nonce");
        if (nonce != null && !AttestedDocuments.validNonce(nonce)) {
            return Reply.error(400, "Bad request. The nonce must be a 10-digit string");
        }
        return Reply.json(200, attested.answer(vm, nonce, query.get("api-version")));
    }

    /** One answer: status, content type and body. */
    record Reply(int status, String contentType, String body) {
        static Reply json(int status, JsonNode body) {
            return new Reply(status, JSON_TYPE, body.toString());
        }

        /** Swagger imds.json's ErrorResponse: {"error": "..."}. */
        static Reply error(int status, String message) {
            return json(status, JSON.createObjectNode().put("error", message));
        }
    }

    /** Query parameters, decoded; Learn: "Requests with duplicate query parameter names will be rejected". */
    record Query(Map<String, String> values) {
        static Query parse(String raw) {
            Map<String, String> values = new java.util.HashMap<>();
            if (raw != null && !raw.isEmpty()) {
                for (String pair : raw.split("&")) {
                    if (pair.isEmpty()) {
                        continue;
                    }
                    int equals = pair.indexOf('=');
                    String name = decode(equals < 0 ? pair : pair.substring(0, equals));
                    String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
                    if (values.putIfAbsent(name, value) != null) {
                        throw new IllegalArgumentException("Duplicate query parameter: " + name);
                    }
                }
            }
            return new Query(Map.copyOf(values));
        }

        String get(String name) {
            return values.get(name);
        }

        private static String decode(String text) {
            try {
                return java.net.URLDecoder.decode(text, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException malformed) {
                throw new IllegalArgumentException("Malformed query parameter: " + text);
            }
        }
    }
}
