package io.harbormaster.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import io.harbormaster.capacity.EventDrivenChecks;
import io.harbormaster.trust.NodeAuthority;
import io.harbormaster.trust.TrustRefusal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * POST /api/node/events (anonymous; a manager VM proves itself): the swarm's own events, forwarded by the managers'
 * harbormaster-swarm-events unit, ask for a capacity check now instead of at the next timer tick. Body
 * {@code {"events":["service:create", ...]}}; no secret travels, only the kinds of what changed.
 */
public class NodeEventsFunction {
    static final String ROUTE = "node/events";
    static final int MAX_EVENTS = 100;

    private final Optional<EventDrivenChecks> checks;
    private final Optional<NodeAuthority> authority;

    public NodeEventsFunction() {
        this(ControlPlane.instance().eventDrivenChecks(), ControlPlane.instance().nodeAuthority());
    }

    NodeEventsFunction(Optional<EventDrivenChecks> checks, Optional<NodeAuthority> authority) {
        this.checks = checks;
        this.authority = authority;
    }

    @FunctionName("node-events")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", route = ROUTE, authLevel = AuthorizationLevel.ANONYMOUS)
            HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        if (request.getHttpMethod() != HttpMethod.POST) {
            return HttpReplies.methodNotAllowed(request, "POST");
        }
        List<String> events;
        NodeAuthority.Authenticated caller;
        try {
            NodeAuthority nodes = NodeCalls.authority(authority);
            ObjectNode body = NodeCalls.body(request);
            caller = nodes.authenticate(NodeCalls.proof(request, body));
            nodes.admitEvents(caller.machine());
            events = events(body);
        } catch (NodeCalls.BadBody e) {
            return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body", e.getMessage());
        } catch (TrustRefusal refusal) {
            return NodeCalls.refused(request, ROUTE, refusal, authority);
        }
        if (checks.isEmpty()) {
            return HttpReplies.error(request, HttpStatus.CONFLICT, "no_scale_set",
                    "no scale set is configured (setting HARBORMASTER_SCALE_SET_NAME): there is no capacity check to run");
        }
        EventDrivenChecks.Outcome outcome;
        try {
            outcome = checks.get().requested(events);
        } catch (RuntimeException e) {
            context.getLogger().warning("node events: queueing a capacity check: " + e.getClass().getSimpleName());
            return HttpReplies.unavailable(request, Duration.ofSeconds(5), "queue_unavailable",
                    "the capacity check could not be queued; the timer's check follows");
        }
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("check", outcome.queued() ? "queued" : "already-queued");
        reply.put("checkAt", outcome.checkAt().toString());
        // After an attestation, the credential for the forwarder's next calls: a document is spent once.
        caller.credential().ifPresent(c -> {
            reply.put("credential", c.credential());
            reply.put("credentialExpiresAt", c.expiresAt().toString());
        });
        return HttpReplies.json(request, HttpStatus.ACCEPTED, reply);
    }

    private static List<String> events(ObjectNode body) {
        JsonNode events = body.remove("events");
        if (!body.isEmpty()) {
            throw new NodeCalls.BadBody("unknown field '" + body.fieldNames().next() + "'; expected events, nonce, attestation");
        }
        String expected = "events must be a list of 1 to " + MAX_EVENTS + " of "
                + EventDrivenChecks.EVENTS.stream().sorted().toList();
        if (events == null || !events.isArray() || events.isEmpty() || events.size() > MAX_EVENTS) {
            throw new NodeCalls.BadBody(expected);
        }
        List<String> kinds = new ArrayList<>();
        for (JsonNode event : events) {
            if (!event.isTextual() || !EventDrivenChecks.known(event.asText())) {
                throw new NodeCalls.BadBody(expected);
            }
            kinds.add(event.asText());
        }
        return kinds;
    }
}
