package io.harbormaster.emulator.identity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.harbormaster.emulator.http.HttpListener;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The App Service managed identity endpoint (Learn: "Managed identities for App Service and Azure Functions", REST
 * protocol, api-version 2019-08-01), plain HTTP on loopback as on App Service. The app finds it through
 * IDENTITY_ENDPOINT ({@link #endpoint()}) and IDENTITY_HEADER ({@link #identityHeader()}).
 */
public final class IdentityServer implements AutoCloseable {
    public static final String API_VERSION = "2019-08-01";
    /** The audiences ARM accepts, as its InvalidAuthenticationTokenAudience message lists them. */
    public static final Set<String> ARM_AUDIENCES = Set.of("https://management.core.windows.net/",
            "https://management.core.windows.net", "https://management.azure.com/", "https://management.azure.com");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> USER_ASSIGNED = Set.of("client_id", "principal_id", "object_id", "mi_res_id");

    private final HttpListener listener;
    private final TokenBook tokens;
    private final StorageTokens storageTokens;
    private final Set<String> audiences;
    private final String identityHeader;
    private final String clientId = UUID.randomUUID().toString();
    private final String principalId = UUID.randomUUID().toString();

    /**
     * @param audiences the resources a token may be asked for: {@link #ARM_AUDIENCES}, plus the emulator's own ARM URL
     *     if the lead wants to accept it
     */
    public IdentityServer(InetSocketAddress bind, TokenBook tokens, Set<String> audiences) throws IOException {
        this(bind, tokens, audiences, new StorageTokens());
    }

    /**
     * @param storageTokens what answers a request for Azure Storage ({@link StorageTokens#AUDIENCES}): a JWT that
     *     Azurite's OAuth mode accepts; ARM never accepts it, as it is not in {@code tokens}
     */
    public IdentityServer(InetSocketAddress bind, TokenBook tokens, Set<String> audiences, StorageTokens storageTokens)
            throws IOException {
        this.tokens = tokens;
        this.storageTokens = storageTokens;
        this.audiences = Set.copyOf(audiences);
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        this.identityHeader = HexFormat.of().formatHex(secret);
        this.listener = HttpListener.http(bind, "emulated-identity", 2, this::handle);
    }

    public IdentityServer start() {
        listener.start();
        return this;
    }

    /** IDENTITY_ENDPOINT for the app. */
    public URI endpoint() {
        return URI.create("http://" + listener.authority() + "/msi/token");
    }

    /** IDENTITY_HEADER for the app: a secret, so never log it. */
    public String identityHeader() {
        return identityHeader;
    }

    /** The system-assigned identity's client id, which every answer carries. */
    public String clientId() {
        return clientId;
    }

    /** The object id of the identity's service principal: the {@code oid} of its storage tokens. */
    public String principalId() {
        return principalId;
    }

    public StorageTokens storageTokens() {
        return storageTokens;
    }

    @Override
    public void close() {
        listener.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            Answer answer = answer(exchange);
            byte[] body = JSON.writeValueAsBytes(answer.body());
            exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(answer.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private record Answer(int status, ObjectNode body) {
    }

    private Answer answer(HttpExchange exchange) {
        if (!exchange.getRequestURI().getPath().equalsIgnoreCase("/msi/token")) {
            return error(404, "not_found", "No such path: this endpoint answers GET /msi/token.");
        }
        if (!exchange.getRequestMethod().equals("GET")) {
            return error(405, "invalid_request", "The token endpoint answers GET only.");
        }
        String presented = exchange.getRequestHeaders().getFirst("X-IDENTITY-HEADER");
        if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                identityHeader.getBytes(StandardCharsets.UTF_8))) {
            return error(401, "unauthorized_client", "The X-IDENTITY-HEADER header is missing or wrong.");
        }
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        if (!API_VERSION.equals(query.get("api-version"))) {
            return error(400, "invalid_request", "api-version must be " + API_VERSION + ".");
        }
        if (USER_ASSIGNED.stream().anyMatch(query::containsKey)) {
            return error(400, "invalid_request", "This app has no user-assigned identity; ask without client_id, "
                    + "principal_id, object_id or mi_res_id for the system-assigned one.");
        }
        String resource = query.get("resource");
        if (resource == null || resource.isBlank()) {
            return error(400, "invalid_request", "The resource parameter is required.");
        }
        boolean storage = StorageTokens.AUDIENCES.contains(resource);
        if (!storage && !audiences.contains(resource)) {
            // Entra ID's code for a resource it does not know (Learn: "Microsoft Entra authentication and
            // authorization error codes", AADSTS500011); the emulator issues tokens for ARM and storage only.
            return error(400, "invalid_resource", "AADSTS500011: The resource principal named " + resource
                    + " was not found in the tenant. The emulated identity endpoint issues tokens for Azure Resource "
                    + "Manager and Azure Storage only.");
        }
        TokenBook.IssuedToken token = storage ? storageTokens.issue(resource, clientId, principalId) : tokens.issue();
        ObjectNode body = JSON.createObjectNode();
        body.put("access_token", token.token());
        body.put("expires_on", Long.toString(token.expiresOn().getEpochSecond()));
        body.put("resource", resource);
        body.put("token_type", "Bearer");
        body.put("client_id", clientId);
        return new Answer(200, body);
    }

    private static Answer error(int status, String code, String description) {
        ObjectNode body = JSON.createObjectNode();
        body.put("error", code);
        body.put("error_description", description);
        return new Answer(status, body);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw == null) {
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
