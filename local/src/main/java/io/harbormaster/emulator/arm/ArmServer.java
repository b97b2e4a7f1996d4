package io.harbormaster.emulator.arm;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import io.harbormaster.emulator.cloud.CloudException;
import io.harbormaster.emulator.cloud.EmulatedCloud;
import io.harbormaster.emulator.http.HttpListener;
import io.harbormaster.emulator.identity.TokenBook;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The emulated Azure Resource Manager over HTTPS: the Microsoft.Compute routes of one subscription and resource
 * group, bearer tokens from the identity endpoint, injected faults, and a record of every request.
 */
public final class ArmServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ArmServer.class.getName());
    // The exact challenge ARM sends with a 401 (public SDK test fixtures; see the emulator README).
    private static final String CHALLENGE = "Bearer authorization_uri=\"https://login.windows.net/"
            + "00000000-0000-0000-0000-000000000000\", error=\"invalid_token\", error_description=\"The authentication "
            + "failed because of missing 'Authorization' header.\"";

    private final HttpListener listener;
    private final EmulatedCloud cloud;
    private final TokenBook tokens;
    private final ArmFaults faults;
    private final ImageRoutes images;
    private final GalleryRoutes galleries;
    // By lower-case resource group: each group's routes see its own resources and write ids in it.
    private final Map<String, ComputeRoutes> routes = new ConcurrentHashMap<>();
    private final Map<String, LockRoutes> locks = new ConcurrentHashMap<>();
    private final List<ArmCall> calls = new CopyOnWriteArrayList<>();

    public ArmServer(HttpsConfigurator tls, InetSocketAddress bind, EmulatedCloud cloud, TokenBook tokens, ArmFaults faults)
            throws IOException {
        this.cloud = cloud;
        this.tokens = tokens;
        this.faults = faults;
        this.images = new ImageRoutes(cloud);
        this.galleries = new GalleryRoutes(cloud);
        this.listener = HttpListener.https(bind, tls, "emulated-arm", 4, this::handle);
    }

    public ArmServer start() {
        listener.start();
        return this;
    }

    /** The resource manager endpoint to give the SDK, ending in "/". */
    public URI endpoint() {
        return URI.create("https://" + listener.authority() + "/");
    }

    public ArmFaults faults() {
        return faults;
    }

    /** Every request received since the last {@link #clearRequests()}, oldest first. */
    public List<ArmCall> requests() {
        return List.copyOf(calls);
    }

    public void clearRequests() {
        calls.clear();
    }

    @Override
    public void close() {
        listener.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            URI uri = exchange.getRequestURI();
            String method = exchange.getRequestMethod();
            Map<String, String> query = query(uri.getRawQuery());
            Instant receivedAt = Instant.now();
            long receivedAtNanos = System.nanoTime();
            ArmResponse response;
            try {
                response = answer(exchange, method, uri.getPath(), query, body);
            } catch (CloudException e) {
                response = ArmResponse.error(e.status(), e.code(), e.getMessage(), e.target());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Emulated ARM failed on " + method + " " + uri.getPath(), e);
                response = ArmResponse.error(500, "InternalServerError", "The emulator failed: " + e.getClass().getSimpleName());
            }
            calls.add(new ArmCall(method, uri.getPath(), uri.getRawQuery(), query,
                    exchange.getRequestHeaders().getFirst("If-Match"), body, receivedAt, receivedAtNanos, response.status()));
            send(exchange, response);
        }
    }

    private ArmResponse answer(HttpExchange exchange, String method, String path, Map<String, String> query, String rawBody) {
        Optional<ArmFaults.InjectedAnswer> injected = faults.takeAnswer(method, path);
        if (injected.isPresent()) {
            ArmFaults.InjectedAnswer answer = injected.get();
            ArmResponse response = ArmResponse.error(answer.status(), answer.code(), answer.message());
            return answer.retryAfter() == null ? response
                    : response.header("Retry-After", Long.toString(answer.retryAfter().toSeconds()));
        }
        Optional<ArmResponse> refused = authenticate(exchange.getRequestHeaders().getFirst("Authorization"));
        if (refused.isPresent()) {
            return refused.get();
        }
        String apiVersion = query.get("api-version");
        if (apiVersion == null) {
            return ArmResponse.error(400, "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.");
        }
        List<String> segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
        // Locks are Microsoft.Authorization's, at the version the SDK sends for them; the rest is Microsoft.Compute's,
        // whose disks and galleries the SDK reads at their own resource providers' versions (DiskRP, GalleryRP).
        String supported = LockRoutes.handles(segments) ? LockRoutes.API_VERSION
                : GalleryRoutes.handles(segments) ? GalleryRoutes.API_VERSION
                : DiskRoutes.handles(segments) ? DiskRoutes.API_VERSION : ComputeRoutes.API_VERSION;
        if (!apiVersion.equals(supported)) {
            // Learn (common deployment errors): the wording for an api-version a resource type does not support.
            return ArmResponse.error(400, "NoRegisteredProviderFound", "No registered resource provider found for "
                    + "location 'westeurope' and API version '" + apiVersion + "' for type '"
                    + (segments.size() > 6 ? segments.get(6) : "unknown") + "'. The supported api-versions are '"
                    + supported + "'.");
        }
        String host = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Host"))
                .orElse(endpoint().getAuthority());
        ArmRequest request = new ArmRequest(method, path, query, exchange.getRequestHeaders(), json(rawBody),
                "https://" + host + "/");
        return dispatch(request, segments);
    }

    private ComputeRoutes computeRoutes(String group) {
        return routes.computeIfAbsent(group.toLowerCase(Locale.ROOT), any -> new ComputeRoutes(cloud, faults, group));
    }

    /**
     * Routes by the fixed prefix; the subscription must be the cloud's, the resource group the cloud's or one of its
     * scale sets' (compared case-insensitively).
     */
    private ArmResponse dispatch(ArmRequest request, List<String> s) {
        if (s.size() < 2 || !is(s.get(0), "subscriptions")) {
            return ComputeRoutes.notImplemented(request);
        }
        if (!s.get(1).equalsIgnoreCase(cloud.settings().subscriptionId())) {
            return ArmResponse.error(404, "SubscriptionNotFound", "The subscription '" + s.get(1) + "' could not be found.");
        }
        // /subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/operations/{id}
        if (s.size() == 8 && is(s.get(2), "providers") && is(s.get(3), "microsoft.compute") && is(s.get(4), "locations")
                && is(s.get(6), "operations") && request.method().equals("GET")) {
            return computeRoutes(cloud.settings().resourceGroup()).operationStatus(request, s.get(5), s.get(7));
        }
        if (ImageRoutes.matches(request, s)) {
            return images.versions(request, s);
        }
        if (GalleryRoutes.matches(s)) {
            return galleries.versions(request, s);
        }
        if (s.size() >= 7 && is(s.get(2), "resourcegroups") && is(s.get(4), "providers") && is(s.get(5), "microsoft.compute")) {
            if (!cloud.resourceGroups().contains(s.get(3).toLowerCase(Locale.ROOT))) {
                return ArmResponse.error(404, "ResourceGroupNotFound", "Resource group '" + s.get(3) + "' could not be found.");
            }
            return computeRoutes(s.get(3)).route(request, s.subList(6, s.size()));
        }
        // /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Authorization/locks
        if (s.size() == 7 && is(s.get(2), "resourcegroups") && is(s.get(4), "providers")
                && is(s.get(5), "microsoft.authorization") && is(s.get(6), "locks")) {
            if (!cloud.resourceGroups().contains(s.get(3).toLowerCase(Locale.ROOT))) {
                return ArmResponse.error(404, "ResourceGroupNotFound", "Resource group '" + s.get(3) + "' could not be found.");
            }
            return locks.computeIfAbsent(s.get(3).toLowerCase(Locale.ROOT), group -> new LockRoutes(cloud,
                    new ArmJson(cloud.settings().subscriptionId(), s.get(3)))).list(request);
        }
        return ComputeRoutes.notImplemented(request);
    }

    /** 401 with ARM's codes: AuthenticationFailed without a bearer token, InvalidAuthenticationToken for a bad one. */
    private Optional<ArmResponse> authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(ArmResponse.error(401, "AuthenticationFailed",
                    "Authentication failed. The 'Authorization' header is missing.").header("WWW-Authenticate", CHALLENGE));
        }
        Optional<TokenBook.Refusal> refusal = tokens.check(authorization.substring(7).trim());
        if (refusal.isEmpty()) {
            return Optional.empty();
        }
        // The expired wording is ARM's ExpiredAuthenticationToken message shape, kept under the one cited code.
        String message = refusal.get() == TokenBook.Refusal.EXPIRED ? "The access token has expired."
                : "The access token is invalid.";
        return Optional.of(ArmResponse.error(401, "InvalidAuthenticationToken", message)
                .header("WWW-Authenticate", CHALLENGE.replace("missing 'Authorization' header", "an invalid token")));
    }

    /** Headers and body leave in one write (Content-Length known), which with TCP_NODELAY avoids the 40 ms stall. */
    private static void send(HttpExchange exchange, ArmResponse response) throws IOException {
        response.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
        exchange.getResponseHeaders().add("x-ms-request-id", UUID.randomUUID().toString());
        byte[] bytes = response.body() == null ? new byte[0] : ArmJson.JSON.writeValueAsBytes(response.body());
        if (response.body() != null) {
            exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        }
        exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static JsonNode json(String body) {
        if (body.isBlank()) {
            return ArmJson.JSON.createObjectNode();
        }
        try {
            return ArmJson.JSON.readTree(body);
        } catch (IOException e) {
            throw new CloudException(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.");
        }
    }

    private static boolean is(String segment, String keyword) {
        return segment.toLowerCase(Locale.ROOT).equals(keyword);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            query.put(name, equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return query;
    }
}
