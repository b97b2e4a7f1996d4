package io.harbormaster.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import io.harbormaster.trust.OperatorAuth;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * POST /api/ui/login takes the operator key once, from the login form (or as JSON), and answers the session cookie;
 * POST /api/ui/logout ends it. The key is compared and dropped: never stored, logged, echoed or put in the cookie.
 */
public class OperatorLoginFunction {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final OperatorAuth auth;

    public OperatorLoginFunction() {
        this(ControlPlane.instance().operatorAuth());
    }

    OperatorLoginFunction(OperatorAuth auth) {
        this.auth = auth;
    }

    @FunctionName("statusPageLogin")
    public HttpResponseMessage login(
            @HttpTrigger(name = "req", route = "ui/login", methods = {HttpMethod.POST},
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        boolean form = contentType(request).startsWith("application/x-www-form-urlencoded");
        Optional<String> key = form ? formKey(request.getBody().orElse("")) : jsonKey(request.getBody().orElse(""));
        if (key.isEmpty()) {
            return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body",
                    "expected the form field key, or JSON {\"key\":\"...\"}");
        }
        OperatorAuth.Verdict verdict;
        try {
            verdict = auth.login(key.get());
        } catch (RuntimeException e) {
            // Reading the stored trust key failed: the class only, an SDK message may quote a URL with a SAS token.
            context.getLogger().warning("status page login: " + e.getClass().getSimpleName());
            return HttpReplies.unavailable(request, java.time.Duration.ofSeconds(5), "storage_unavailable",
                    "the session key could not be read from storage");
        }
        if (verdict instanceof OperatorAuth.Refused refused) {
            context.getLogger().warning("status page login refused: " + refused.code());
            return StatusPageFunction.refusal(request, refused);
        }
        OperatorAuth.Allowed allowed = (OperatorAuth.Allowed) verdict;
        String cookie;
        try {
            cookie = auth.sessionCookie(allowed.operator(), https(request));
        } catch (RuntimeException e) {
            context.getLogger().warning("status page login: " + e.getClass().getSimpleName());
            return HttpReplies.unavailable(request, java.time.Duration.ofSeconds(5), "storage_unavailable",
                    "the session key could not be read from storage");
        }
        HttpResponseMessage.Builder reply = form
                ? request.createResponseBuilder(HttpStatus.SEE_OTHER).header("Location", OperatorAuth.PAGE_PATH)
                : HttpReplies.jsonBuilder(request, HttpStatus.OK, java.util.Map.of("signedIn", true));
        return reply.header("Set-Cookie", cookie).header("Cache-Control", "no-store").build();
    }

    @FunctionName("statusPageLogout")
    public HttpResponseMessage logout(
            @HttpTrigger(name = "req", route = "ui/logout", methods = {HttpMethod.POST},
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return request.createResponseBuilder(HttpStatus.SEE_OTHER)
                .header("Location", auth.logoutLocation())
                .header("Set-Cookie", auth.clearedCookie(https(request)))
                .header("Cache-Control", "no-store")
                .build();
    }

    /** Over https as the browser sees it: the request's own scheme, or App Service's front end saying so. */
    static boolean https(HttpRequestMessage<?> request) {
        String forwarded = header(request, "x-forwarded-proto");
        return "https".equalsIgnoreCase(request.getUri().getScheme())
                || (forwarded != null && forwarded.trim().toLowerCase(Locale.ROOT).startsWith("https"));
    }

    private static String contentType(HttpRequestMessage<?> request) {
        String type = header(request, "content-type");
        return type == null ? "" : type.trim().toLowerCase(Locale.ROOT);
    }

    private static String header(HttpRequestMessage<?> request, String name) {
        for (var entry : request.getHeaders().entrySet()) {
            if (entry.getKey().equalsIgnoreCase(name)) {
                return entry.getValue();
            }
        }
        return null;
    }

    static Optional<String> formKey(String body) {
        for (String pair : body.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0 && pair.substring(0, equals).equals("key")) {
                try {
                    String value = URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                    return value.isEmpty() ? Optional.empty() : Optional.of(value);
                } catch (IllegalArgumentException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    static Optional<String> jsonKey(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.path("key").isTextual() && !node.path("key").asText().isEmpty()
                    ? Optional.of(node.path("key").asText()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
