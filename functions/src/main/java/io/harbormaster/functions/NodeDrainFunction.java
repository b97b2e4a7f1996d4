package io.harbormaster.functions;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import io.harbormaster.drain.DrainRejectedException;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.swarm.SwarmUnavailableException;
import io.harbormaster.trust.CallerRights;
import io.harbormaster.trust.NodeAuthority;
import io.harbormaster.trust.TrustAudit;
import io.harbormaster.trust.TrustRefusal;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * POST /api/node/drain (anonymous; the node proves itself): an agent asks for its own drain, for a reason that means
 * its VM is going, never deleting its instance. GET reports that drain, and DELETE calls it off when it is a
 * terminate-notification drain whose event Azure cancelled, to the agent that presents its credential.
 */
public class NodeDrainFunction {
    static final String ROUTE = "node/drain";

    private final DrainRequests drains;
    private final Optional<NodeAuthority> authority;

    public NodeDrainFunction() {
        this(ControlPlane.instance().drainRequests(), ControlPlane.instance().nodeAuthority());
    }

    NodeDrainFunction(DrainRequests drains, Optional<NodeAuthority> authority) {
        this.drains = drains;
        this.authority = authority;
    }

    @FunctionName("node-drain")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", route = ROUTE, authLevel = AuthorizationLevel.ANONYMOUS)
            HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        HttpMethod method = request.getHttpMethod();
        if (method != HttpMethod.GET && method != HttpMethod.POST && method != HttpMethod.DELETE) {
            return HttpReplies.methodNotAllowed(request, "GET, POST, DELETE");
        }
        try {
            NodeAuthority nodes = NodeCalls.authority(authority);
            // A GET's or DELETE's body is ignored: its proof is the credential header.
            ObjectNode body = method == HttpMethod.POST ? NodeCalls.body(request) : NodeCalls.emptyBody();
            NodeAuthority.Authenticated caller = nodes.authenticate(NodeCalls.proof(request, body));
            if (method == HttpMethod.DELETE) {
                return cancel(request, nodes, caller);
            }
            return method == HttpMethod.POST ? submit(request, nodes, caller, body) : status(request, nodes, caller);
        } catch (NodeCalls.BadBody e) {
            return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body", e.getMessage());
        } catch (TrustRefusal refusal) {
            return NodeCalls.refused(request, ROUTE, refusal, authority);
        } catch (DrainRejectedException e) {
            return DrainFunction.rejected(request, e);
        } catch (SwarmUnavailableException e) {
            context.getLogger().warning("node drain: " + e.getMessage());
            return HttpReplies.unavailable(request, DrainFunction.RETRY_AFTER_UNAVAILABLE, "no_manager_reachable",
                    "no swarm manager answered; nothing was queued");
        } catch (RuntimeException e) {
            context.getLogger().warning("node drain: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return HttpReplies.unavailable(request, DrainFunction.RETRY_AFTER_UNAVAILABLE, "drain_store_unavailable",
                    "the drain queue, the status store or ARM did not answer; nothing was queued");
        }
    }

    private HttpResponseMessage submit(HttpRequestMessage<?> request, NodeAuthority nodes,
            NodeAuthority.Authenticated caller, ObjectNode body) {
        CallerRights.SelfDrain drain = nodes.admitDrain(caller.machine(), body.toString());
        DrainRequests.Submission submission = drains.submit(drain.node(), drain.order());
        TrustAudit.granted(ROUTE, caller.machine(), "drain " + drain.order().reason().wireName());
        Map<String, Object> reply = DrainFunction.body(submission.status(), statusUrl(request), submission.created());
        caller.credential().ifPresent(c -> {
            reply.put("credential", c.credential());
            reply.put("credentialExpiresAt", c.expiresAt().toString());
        });
        return HttpReplies.jsonBuilder(request, submission.created() ? HttpStatus.ACCEPTED : HttpStatus.OK, reply)
                .header("Location", statusUrl(request))
                .header("Cache-Control", "no-store")
                .build();
    }

    private HttpResponseMessage status(HttpRequestMessage<?> request, NodeAuthority nodes,
            NodeAuthority.Authenticated caller) {
        String node = nodes.admitDrainRead(caller.machine());
        return DrainFunction.statusReply(request, node, drains.status(node), statusUrl(request));
    }

    /** Only a terminate-notification drain is called off (the drain core refuses any other with 409). */
    private HttpResponseMessage cancel(HttpRequestMessage<?> request, NodeAuthority nodes,
            NodeAuthority.Authenticated caller) {
        String node = nodes.admitDrainCancel(caller.machine());
        HttpResponseMessage reply = DrainFunction.statusReply(request, node, drains.cancelTerminate(node), statusUrl(request));
        if (reply.getStatusCode() == HttpStatus.OK.value()) {
            TrustAudit.granted(ROUTE, caller.machine(), "call off its terminate-notification drain");
        }
        return reply;
    }

    /** Built from scheme and authority only, as the drain route's. */
    private static String statusUrl(HttpRequestMessage<?> request) {
        URI uri = request.getUri();
        return uri.getScheme() + "://" + uri.getRawAuthority() + "/api/" + ROUTE;
    }
}
