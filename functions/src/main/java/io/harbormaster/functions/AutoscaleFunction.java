package io.harbormaster.functions;

import com.azure.storage.queue.QueueClient;
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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * POST /api/autoscale: Azure Monitor's autoscale notification for any pool's scale set. Scale Out announces that
 * pool's new capacity (so the guard does not take it for a bad read) and asks for a check now; Scale In asks for a
 * check now, which reconciles.
 */
public class AutoscaleFunction {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Optional<CapacityCheck> check;
    private final Supplier<QueueClient> checks;

    public AutoscaleFunction() {
        this(ControlPlane.instance().capacityCheck(), ControlPlane.instance()::capacityChecksQueue);
    }

    AutoscaleFunction(Optional<CapacityCheck> check, Supplier<QueueClient> checks) {
        this.check = check;
        this.checks = checks;
    }

    @FunctionName("autoscale")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", route = "autoscale", authLevel = AuthorizationLevel.FUNCTION)
            HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        if (request.getHttpMethod() != HttpMethod.POST) {
            return HttpReplies.methodNotAllowed(request, "POST");
        }
        JsonNode body;
        try {
            body = JSON.readTree(request.getBody().orElse(""));
        } catch (JsonProcessingException e) {
            return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body", "body is not valid JSON");
        }
        if (body == null || !body.isObject()) {
            return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body", "body must be a JSON object");
        }
        String operation = body.path("operation").asText("");
        if (!operation.equals("Scale Out") && !operation.equals("Scale In")) {
            return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body",
                    "operation must be \"Scale Out\" or \"Scale In\"");
        }
        JsonNode notice = body.path("context");
        String resourceId = notice.path("resourceId").asText("");
        Optional<Long> oldCapacity = capacity(notice.path("oldCapacity"));
        Optional<Long> newCapacity = capacity(notice.path("newCapacity"));
        if (resourceId.isEmpty() || oldCapacity.isEmpty() || newCapacity.isEmpty()) {
            return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body",
                    "context.resourceId, context.oldCapacity and context.newCapacity (whole numbers as strings) are required");
        }
        if (check.isEmpty()) {
            return HttpReplies.error(request, HttpStatus.CONFLICT, "no_scale_set",
                    "no scale set is configured (setting HARBORMASTER_SCALE_SET_NAME)");
        }
        Optional<String> pool;
        try {
            pool = check.get().poolOfScaleSet(resourceId);
        } catch (RuntimeException e) {
            context.getLogger().warning("autoscale: reading the scale sets: " + e.getMessage());
            return HttpReplies.unavailable(request, Duration.ofSeconds(10), "scale_set_unavailable",
                    "the scale sets could not be read; nothing was done");
        }
        if (pool.isEmpty()) {
            return HttpReplies.error(request, HttpStatus.UNPROCESSABLE_ENTITY, "foreign_resource",
                    "the notification is for " + HttpReplies.quote(resourceId)
                            + ", not for any of this control plane's scale sets");
        }
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("pool", pool.get());
        if (operation.equals("Scale Out")) {
            message.put("expectedCapacity", newCapacity.get());
        }
        try {
            checks.get().sendMessage(JSON.writeValueAsString(message));
        } catch (JsonProcessingException | RuntimeException e) {
            context.getLogger().warning("autoscale: queueing a capacity check: " + e.getMessage());
            return HttpReplies.unavailable(request, Duration.ofSeconds(10), "queue_unavailable",
                    "the capacity check could not be queued; nothing was done");
        }
        context.getLogger().info("autoscale " + operation.toLowerCase(Locale.ROOT) + " of pool " + pool.get() + " "
                + oldCapacity.get() + " -> "
                + newCapacity.get() + ": capacity check queued");
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("operation", operation);
        reply.put("pool", pool.get());
        reply.put("oldCapacity", oldCapacity.get());
        reply.put("newCapacity", newCapacity.get());
        reply.put("capacityCheck", "queued");
        return HttpReplies.json(request, HttpStatus.ACCEPTED, reply);
    }

    private static Optional<Long> capacity(JsonNode node) {
        String text = node.isTextual() ? node.asText() : node.isIntegralNumber() ? node.asText() : "";
        if (!text.matches("\\d{1,6}")) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(text));
    }
}
