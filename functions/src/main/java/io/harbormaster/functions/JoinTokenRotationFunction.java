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
import com.microsoft.azure.functions.annotation.TimerTrigger;
import io.harbormaster.swarm.JoinTokenRotation;
import io.harbormaster.swarm.SwarmNotInitializedException;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.SwarmUnavailableException;
import io.harbormaster.swarm.SwarmVersionConflictException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * POST /api/swarm/rotate-join-tokens (master key): rotates the swarm's join tokens now; and the hourly look at the
 * rotation schedule ({@code HARBORMASTER_JOIN_TOKEN_ROTATION}). Replies and logs name the roles, never the tokens.
 */
public class JoinTokenRotationFunction {
    /** Hourly, at minute 17: off the hour, when other schedules crowd. */
    static final String SCHEDULE = "0 17 * * * *";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JoinTokenRotation rotation;

    public JoinTokenRotationFunction() {
        this(ControlPlane.instance().joinTokenRotation());
    }

    JoinTokenRotationFunction(JoinTokenRotation rotation) {
        this.rotation = rotation;
    }

    @FunctionName("rotateJoinTokens")
    public HttpResponseMessage rotate(
            @HttpTrigger(name = "req", route = "swarm/rotate-join-tokens", authLevel = AuthorizationLevel.ADMIN)
            HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        if (request.getHttpMethod() != HttpMethod.POST) {
            return HttpReplies.methodNotAllowed(request, "POST");
        }
        Set<SwarmRole> roles;
        try {
            roles = roles(request.getBody().orElse(""));
        } catch (IllegalArgumentException e) {
            return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body", e.getMessage());
        }
        JoinTokenRotation.Rotated rotated;
        try {
            rotated = rotation.rotate(roles);
        } catch (SwarmNotInitializedException e) {
            context.getLogger().warning("join token rotation: " + e.getMessage());
            return HttpReplies.unavailable(request, Duration.ofSeconds(15), "swarm_not_initialised",
                    "the managers are not part of a swarm yet");
        } catch (SwarmUnavailableException e) {
            context.getLogger().warning("join token rotation: " + e.getMessage());
            return HttpReplies.unavailable(request, Duration.ofSeconds(5), "no_manager_reachable", "no swarm manager answered");
        } catch (SwarmVersionConflictException e) {
            context.getLogger().warning("join token rotation: " + e.getMessage());
            return HttpReplies.error(request, HttpStatus.CONFLICT, "swarm_spec_changing",
                    "the swarm spec changed under every attempt; nothing was rotated, retry");
        }
        context.getLogger().info("join tokens rotated on an operator's request: " + String.join(", ", rotated.roleNames()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("rotated", rotated.roleNames());
        body.put("at", rotated.at().toString());
        return HttpReplies.jsonBuilder(request, HttpStatus.OK, body).header("Cache-Control", "no-store").build();
    }

    @FunctionName("joinTokenRotation")
    public void onSchedule(
            @TimerTrigger(name = "timer", schedule = SCHEDULE) String timer,
            ExecutionContext context) {
        if (rotation.interval().isEmpty()) {
            return;
        }
        // A failure is logged and left to the next hour: the tokens keep working meanwhile.
        try {
            rotation.rotateIfDue().ifPresent(rotated -> context.getLogger().info("join tokens rotated on schedule: "
                    + String.join(", ", rotated.roleNames())));
        } catch (SwarmUnavailableException | SwarmVersionConflictException e) {
            context.getLogger().warning("join token rotation on schedule: " + e.getMessage());
        }
    }

    /** An empty body means both; else {@code {"role":"worker"|"manager"|"both"}} and nothing more. */
    static Set<SwarmRole> roles(String text) {
        if (text.isBlank()) {
            return EnumSet.allOf(SwarmRole.class);
        }
        JsonNode body;
        try {
            body = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("body is not valid JSON");
        }
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("body must be a JSON object");
        }
        for (var names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("role")) {
                throw new IllegalArgumentException("unknown field " + HttpReplies.quote(name) + ": expected only \"role\"");
            }
        }
        JsonNode role = body.get("role");
        if (role == null || role.isNull()) {
            return EnumSet.allOf(SwarmRole.class);
        }
        if (!role.isTextual()) {
            throw new IllegalArgumentException("role must be a string: worker, manager or both");
        }
        if (role.asText().equals("both")) {
            return EnumSet.allOf(SwarmRole.class);
        }
        return SwarmRole.parse(role.asText()).filter(parsed -> parsed.urlName().equals(role.asText()))
                .map(EnumSet::of)
                .orElseThrow(() -> new IllegalArgumentException("role " + HttpReplies.quote(role.asText())
                        + " is not one of: worker, manager, both"));
    }
}
