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
import io.harbormaster.metrics.ControlPlaneMetrics;
import io.harbormaster.swarm.JoinTicket;
import io.harbormaster.swarm.JoinTicketCache;
import io.harbormaster.swarm.SwarmNotInitializedException;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.SwarmUnavailableException;
import io.harbormaster.trust.NodeAuthority;
import io.harbormaster.trust.NodeCredentials;
import io.harbormaster.trust.TrustAudit;
import io.harbormaster.trust.TrustRefusal;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * POST /api/node/join (anonymous; the node proves itself): the swarm join ticket for an attested agent (worker) or
 * manager VM (worker or manager), with the short-lived credential for its later calls.
 */
public class NodeJoinFunction {
    static final String ROUTE = "node/join";
    private static final Set<String> FIELDS = Set.of("role");

    private final JoinTicketCache tickets;
    private final Optional<NodeAuthority> authority;

    public NodeJoinFunction() {
        this(ControlPlane.instance().joinTickets(), ControlPlane.instance().nodeAuthority());
    }

    NodeJoinFunction(JoinTicketCache tickets, Optional<NodeAuthority> authority) {
        this.tickets = tickets;
        this.authority = authority;
    }

    @FunctionName("node-join")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", route = ROUTE, authLevel = AuthorizationLevel.ANONYMOUS)
            HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        if (request.getHttpMethod() != HttpMethod.POST) {
            return HttpReplies.methodNotAllowed(request, "POST");
        }
        NodeAuthority.Authenticated caller;
        SwarmRole role;
        try {
            NodeAuthority nodes = NodeCalls.authority(authority);
            ObjectNode body = NodeCalls.body(request);
            NodeAuthority.Proof proof = NodeCalls.proof(request, body);
            role = role(body);
            caller = nodes.authenticate(proof);
            nodes.admitJoin(caller.machine(), role);
        } catch (NodeCalls.BadBody e) {
            return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body", e.getMessage());
        } catch (TrustRefusal refusal) {
            return NodeCalls.refused(request, ROUTE, refusal, authority);
        }
        JoinTicket ticket;
        try {
            ticket = tickets.ticket(role);
            ControlPlaneMetrics.global().joinServed(role.urlName());
        } catch (SwarmNotInitializedException e) {
            context.getLogger().warning("node join " + role.urlName() + ": " + e.getMessage());
            return unavailable(request, caller, JoinFunction.RETRY_AFTER_NO_SWARM.toSeconds(), "swarm_not_initialised",
                    "the managers are not part of a swarm yet");
        } catch (SwarmUnavailableException e) {
            context.getLogger().warning("node join " + role.urlName() + ": " + e.getMessage());
            return unavailable(request, caller, JoinFunction.RETRY_AFTER_NO_MANAGER.toSeconds(), "no_manager_reachable",
                    "no swarm manager answered");
        }
        if (ticket.managerAddresses().isEmpty()) {
            return unavailable(request, caller, JoinFunction.RETRY_AFTER_NO_MANAGER.toSeconds(), "no_manager_reachable",
                    "the swarm reports no reachable manager");
        }
        TrustAudit.granted(ROUTE, caller.machine(), role.urlName() + " ticket");
        Optional<NodeCredentials.Issued> credential = caller.credential();
        if (NodeCalls.header(request, "accept").filter(a -> a.contains("text/plain") && !a.contains("application/json"))
                .isPresent()) {
            // One line for a shell: read -r token manager credential (the credential only after an attestation).
            return request.createResponseBuilder(HttpStatus.OK)
                    .header("Content-Type", "text/plain; charset=utf-8")
                    .header("Cache-Control", "no-store")
                    .body(ticket.token() + " " + ticket.managerAddresses().get(0)
                            + credential.map(c -> " " + c.credential()).orElse("") + "\n")
                    .build();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("role", ticket.role().urlName());
        body.put("token", ticket.token());
        body.put("managers", ticket.managerAddresses());
        body.put("machine", machine(caller));
        credential.ifPresent(c -> {
            body.put("credential", c.credential());
            body.put("credentialExpiresAt", c.expiresAt().toString());
        });
        return HttpReplies.jsonBuilder(request, HttpStatus.OK, body).header("Cache-Control", "no-store").build();
    }

    static Map<String, Object> machine(NodeAuthority.Authenticated caller) {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("kind", caller.machine().kind().name().toLowerCase(java.util.Locale.ROOT));
        machine.put("name", caller.machine().name());
        machine.put("vmId", caller.machine().vmId());
        if (caller.machine().computerName() != null) {
            machine.put("computerName", caller.machine().computerName());
        }
        return machine;
    }

    /** The attestation is spent by now, so the credential goes back with the 503: the retry presents it. */
    private static HttpResponseMessage unavailable(HttpRequestMessage<?> request, NodeAuthority.Authenticated caller,
            long retryAfterSeconds, String code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        caller.credential().ifPresent(c -> {
            body.put("credential", c.credential());
            body.put("credentialExpiresAt", c.expiresAt().toString());
        });
        return HttpReplies.jsonBuilder(request, HttpStatus.SERVICE_UNAVAILABLE, body)
                .header("Retry-After", Long.toString(retryAfterSeconds))
                .header("Cache-Control", "no-store")
                .build();
    }

    private static SwarmRole role(ObjectNode body) {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new NodeCalls.BadBody("unknown field '" + name + "'; expected role, nonce, attestation");
            }
        }
        JsonNode role = body.get("role");
        if (role == null || role.isNull()) {
            return SwarmRole.WORKER;
        }
        return SwarmRole.parse(role.asText())
                .orElseThrow(() -> new NodeCalls.BadBody("role must be worker or manager"));
    }
}
