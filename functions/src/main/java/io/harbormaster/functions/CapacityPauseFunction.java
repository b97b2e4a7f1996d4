package io.harbormaster.functions;

import com.fasterxml.jackson.core.JsonProcessingException;
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
import io.harbormaster.capacity.CapacityCheck;
import io.harbormaster.capacity.CapacityPause;
import java.time.Duration;
import java.util.Optional;

/**
 * POST /api/capacity/pause and /api/capacity/resume: the operator's switch that stops (and restarts) every automatic
 * capacity action at run time, without a restart; GET on either shows it. Master key only.
 */
public class CapacityPauseFunction {
    static final int MAX_BY = 100;
    static final int MAX_REASON = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Optional<CapacityCheck> check;

    public CapacityPauseFunction() {
        this(ControlPlane.instance().capacityCheck());
    }

    CapacityPauseFunction(Optional<CapacityCheck> check) {
        this.check = check;
    }

    @FunctionName("capacityPause")
    public HttpResponseMessage pause(
            @HttpTrigger(name = "req", route = "capacity/pause", authLevel = AuthorizationLevel.ADMIN)
            HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return handle(request, true, context);
    }

    @FunctionName("capacityResume")
    public HttpResponseMessage resume(
            @HttpTrigger(name = "req", route = "capacity/resume", authLevel = AuthorizationLevel.ADMIN)
            HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return handle(request, false, context);
    }

    private HttpResponseMessage handle(HttpRequestMessage<Optional<String>> request, boolean paused, ExecutionContext context) {
        HttpMethod method = request.getHttpMethod();
        if (method != HttpMethod.GET && method != HttpMethod.POST) {
            return HttpReplies.methodNotAllowed(request, "GET, POST");
        }
        String by = null;
        String reason = null;
        if (method == HttpMethod.POST) {
            String text = request.getBody().orElse("").trim();
            if (!text.isEmpty()) {
                JsonNode body;
                try {
                    body = JSON.readTree(text);
                } catch (JsonProcessingException e) {
                    return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body", "body is not valid JSON");
                }
                if (body == null || !body.isObject()) {
                    return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body", "body must be a JSON object");
                }
                for (var names = body.fieldNames(); names.hasNext(); ) {
                    String name = names.next();
                    if (!name.equals("by") && !name.equals("reason")) {
                        return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body",
                                "unknown field " + HttpReplies.quote(name) + ": expected only \"by\" and \"reason\"");
                    }
                }
                try {
                    by = field(body, "by", MAX_BY);
                    reason = field(body, "reason", MAX_REASON);
                } catch (IllegalArgumentException e) {
                    return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body", e.getMessage());
                }
            }
        }
        if (check.isEmpty()) {
            return HttpReplies.error(request, HttpStatus.CONFLICT, "no_scale_set",
                    "no scale set is configured (setting HARBORMASTER_SCALE_SET_NAME): there is nothing automatic to pause");
        }
        try {
            CapacityPause pause = method == HttpMethod.GET ? check.get().pause() : check.get().setPaused(paused, by, reason);
            return HttpReplies.jsonBuilder(request, HttpStatus.OK, pause.toMap()).header("Cache-Control", "no-store").build();
        } catch (RuntimeException e) {
            context.getLogger().warning("capacity pause switch: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return HttpReplies.unavailable(request, Duration.ofSeconds(5), "storage_unavailable",
                    "the pause switch could not be " + (method == HttpMethod.GET ? "read" : "stored; retry"));
        }
    }

    /** A short printable string or absent; anything else is refused, as it ends up in the status and the logs. */
    private static String field(JsonNode body, String name, int maxLength) {
        JsonNode value = body.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(name + " must be a string");
        }
        String text = value.asText().strip();
        if (text.length() > maxLength || !text.codePoints().allMatch(c -> c >= 0x20 && c != 0x7f)) {
            throw new IllegalArgumentException(name + " must be at most " + maxLength + " printable characters");
        }
        return text.isEmpty() ? null : text;
    }
}
