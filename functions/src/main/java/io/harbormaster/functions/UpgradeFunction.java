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
import io.harbormaster.lifecycle.upgrade.UpgradeCodec;
import io.harbormaster.lifecycle.upgrade.UpgradeControl;
import io.harbormaster.lifecycle.upgrade.UpgradeStatus;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * POST /api/upgrade {@code {"action":"start"|"pause"|"resume"}} (a start may name a {@code "pool"}; without one it
 * covers every pool that is behind) and GET /api/upgrade: the operator's handle on the rolling upgrade of the agents.
 * Master key only.
 */
public class UpgradeFunction {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ACTIONS = Set.of("start", "pause", "resume");
    private static final Set<String> FIELDS = Set.of("action", "pool");

    private final Optional<UpgradeControl> control;

    public UpgradeFunction() {
        this(ControlPlane.instance().upgradeControl());
    }

    UpgradeFunction(Optional<UpgradeControl> control) {
        this.control = control;
    }

    @FunctionName("upgrade")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", route = "upgrade", authLevel = AuthorizationLevel.ADMIN)
            HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        HttpMethod method = request.getHttpMethod();
        if (method != HttpMethod.GET && method != HttpMethod.POST) {
            return HttpReplies.methodNotAllowed(request, "GET, POST");
        }
        String action = null;
        Optional<String> pool = Optional.empty();
        if (method == HttpMethod.POST) {
            JsonNode body;
            try {
                body = JSON.readTree(request.getBody().orElse("").trim());
            } catch (JsonProcessingException e) {
                return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body", "body is not valid JSON");
            }
            if (body == null || !body.isObject()) {
                return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body",
                        "body must be a JSON object: {\"action\":\"start\"|\"pause\"|\"resume\"}");
            }
            for (var names = body.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!FIELDS.contains(name)) {
                    return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body",
                            "unknown field " + HttpReplies.quote(name) + ": expected only \"action\" and \"pool\"");
                }
            }
            JsonNode value = body.get("action");
            if (value == null || !value.isTextual() || !ACTIONS.contains(value.asText())) {
                return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_action",
                        "action must be \"start\", \"pause\" or \"resume\"");
            }
            action = value.asText();
            if (body.has("pool")) {
                if (!action.equals("start")) {
                    return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body",
                            "\"pool\" goes with \"start\" only: " + action + " applies to the upgrade under way");
                }
                JsonNode named = body.get("pool");
                List<String> known = control.map(UpgradeControl::poolNames).orElse(List.of());
                // Without a scale set there is no pool to check against: that is the 409 below.
                if (!named.isTextual() || control.isPresent() && !known.contains(named.asText())) {
                    return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_pool",
                            (named.isTextual() ? "no pool " + HttpReplies.quote(named.asText()) : "pool must be a string")
                            + ": the pools are " + known.stream().map(HttpReplies::quote).collect(Collectors.joining(", ")));
                }
                pool = Optional.of(named.asText());
            }
        }
        if (control.isEmpty()) {
            return HttpReplies.error(request, HttpStatus.CONFLICT, "no_scale_set",
                    "no scale set is configured (setting HARBORMASTER_SCALE_SET_NAME): there is nothing to upgrade");
        }
        try {
            if (action == null) {
                return reply(request, HttpStatus.OK, control.get().status(), false);
            }
            UpgradeControl.Result result = switch (action) {
                case "start" -> control.get().start("the operator", pool);
                case "pause" -> control.get().pause("the operator");
                default -> control.get().resume("the operator");
            };
            HttpStatus status = action.equals("start") && result.changed() ? HttpStatus.ACCEPTED : HttpStatus.OK;
            return reply(request, status, result.status(), result.changed());
        } catch (UpgradeControl.UnknownPool e) {
            return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_pool", e.getMessage());
        } catch (UpgradeControl.NotApplicable e) {
            return HttpReplies.error(request, HttpStatus.CONFLICT, "no_upgrade", e.getMessage());
        } catch (RuntimeException e) {
            // The class only: an SDK message may quote a URL with a SAS token.
            context.getLogger().warning("upgrade " + (action == null ? "read" : action) + ": " + e.getClass().getSimpleName());
            return HttpReplies.unavailable(request, Duration.ofSeconds(5), "unavailable",
                    "the scale set or storage did not answer; retry");
        }
    }

    private static HttpResponseMessage reply(HttpRequestMessage<?> request, HttpStatus status,
            Optional<UpgradeStatus> upgrade, boolean changed) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (upgrade.isPresent()) {
            body.putAll(UpgradeCodec.view(upgrade.get()));
        } else {
            body.put("state", "none");
            body.put("message", "every instance is on the scale set's latest model and the newest image it names;"
                    + " nothing to upgrade");
        }
        body.put("changed", changed);
        return HttpReplies.jsonBuilder(request, status, body).header("Cache-Control", "no-store").build();
    }
}
