package io.harbormaster.functions;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import io.harbormaster.drain.DrainOrder;
import io.harbormaster.drain.DrainRejectedException;
import io.harbormaster.drain.DrainRequest;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.swarm.SwarmUnavailableException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * POST /api/drain/{node} asks for a node to be drained and removed; GET reports how far that got; DELETE calls off a
 * terminate-notification drain whose Terminate event Azure cancelled. Master key only: nodes drain themselves through
 * the attested /api/node/drain.
 */
public class DrainFunction {
    static final Duration RETRY_AFTER_UNAVAILABLE = Duration.ofSeconds(5);

    private final DrainRequests drains;

    public DrainFunction() {
        this(ControlPlane.instance().drainRequests());
    }

    DrainFunction(DrainRequests drains) {
        this.drains = drains;
    }

    @FunctionName("drain")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", route = "drain/{node}", authLevel = AuthorizationLevel.ADMIN)
            HttpRequestMessage<Optional<String>> request,
            @BindingName("node") String node,
            ExecutionContext context) {
        HttpMethod method = request.getHttpMethod();
        if (method != HttpMethod.GET && method != HttpMethod.POST && method != HttpMethod.DELETE) {
            return HttpReplies.methodNotAllowed(request, "GET, POST, DELETE");
        }
        try {
            if (method == HttpMethod.DELETE) {
                return cancelTerminate(request, node);
            }
            return method == HttpMethod.POST ? submit(request, node, context) : status(request, node);
        } catch (DrainRejectedException e) {
            return rejected(request, e);
        } catch (SwarmUnavailableException e) {
            context.getLogger().warning("drain " + node + ": " + e.getMessage());
            return HttpReplies.unavailable(request, RETRY_AFTER_UNAVAILABLE, "no_manager_reachable",
                    "no swarm manager answered; nothing was queued");
        } catch (RuntimeException e) {
            // Storage or queue trouble: the request was taken back, so the caller can simply retry.
            context.getLogger().warning("drain " + node + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return HttpReplies.unavailable(request, RETRY_AFTER_UNAVAILABLE, "drain_store_unavailable",
                    "the drain queue or status store did not answer; nothing was queued");
        }
    }

    private HttpResponseMessage submit(HttpRequestMessage<Optional<String>> request, String node, ExecutionContext context) {
        DrainOrder.validNodeName(node);
        DrainOrder order = DrainOrder.parse(request.getBody().orElse(""), Instant.now());
        DrainRequests.Submission submission = drains.submit(node, order);
        DrainStatus status = submission.status();
        String statusUrl = statusUrl(request, status.request().hostname());
        return HttpReplies.jsonBuilder(request, submission.created() ? HttpStatus.ACCEPTED : HttpStatus.OK,
                        body(status, statusUrl, submission.created()))
                .header("Location", statusUrl)
                .header("Cache-Control", "no-store")
                .build();
    }

    private HttpResponseMessage status(HttpRequestMessage<Optional<String>> request, String node) {
        return statusReply(request, node, drains.status(node));
    }

    private HttpResponseMessage cancelTerminate(HttpRequestMessage<Optional<String>> request, String node) {
        return statusReply(request, node, drains.cancelTerminate(node));
    }

    /** The reply below, its statusUrl naming the drain's node by hostname. */
    private static HttpResponseMessage statusReply(HttpRequestMessage<?> request, String node,
            Optional<DrainStatus> status) {
        return statusReply(request, node, status, statusUrl(request, status.map(s -> s.request().hostname()).orElse(node)));
    }

    /** The drain's status as GET shows it, or 404 when the node has none; the node routes answer the same way. */
    static HttpResponseMessage statusReply(HttpRequestMessage<?> request, String node, Optional<DrainStatus> status,
            String statusUrl) {
        if (status.isEmpty()) {
            return HttpReplies.error(request, HttpStatus.NOT_FOUND, "no_drain",
                    "no drain has been requested for node " + HttpReplies.quote(node));
        }
        return HttpReplies.jsonBuilder(request, HttpStatus.OK, body(status.get(), statusUrl, false))
                .header("Cache-Control", "no-store")
                .build();
    }

    static HttpResponseMessage rejected(HttpRequestMessage<?> request, DrainRejectedException e) {
        return switch (e.kind()) {
            case INVALID_NODE_NAME -> HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_node_name", e.getMessage());
            case INVALID_BODY -> HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body", e.getMessage());
            case UNKNOWN_NODE -> HttpReplies.error(request, HttpStatus.NOT_FOUND, "unknown_node", e.getMessage());
            case MANAGER_NODE -> HttpReplies.error(request, HttpStatus.CONFLICT, "node_is_manager", e.getMessage());
            case AMBIGUOUS_NODE -> HttpReplies.error(request, HttpStatus.CONFLICT, "ambiguous_node", e.getMessage());
            case NO_INSTANCE -> HttpReplies.error(request, HttpStatus.CONFLICT, "no_instance", e.getMessage());
            case NOT_CANCELLABLE -> HttpReplies.error(request, HttpStatus.CONFLICT, "not_cancellable", e.getMessage());
        };
    }

    static Map<String, Object> body(DrainStatus status, String statusUrl, boolean created) {
        DrainRequest request = status.request();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("requestId", request.requestId());
        body.put("node", request.hostname());
        body.put("nodeId", request.nodeId());
        body.put("state", status.state().wireName());
        body.put("finished", status.finished());
        body.put("reason", request.reason().wireName());
        body.put("deleteInstance", request.deleteInstance());
        body.put("tasksRemaining", status.tasksRemaining());
        body.put("replacementsPending", status.replacementsPending());
        body.put("timedOut", status.timedOut());
        body.put("instanceEnd", request.instanceEnd().wireName());
        if (request.deleteInstance()) {
            body.put("instanceDeleted", status.instanceDeleted());
        }
        if (request.deallocateInstance()) {
            body.put("instanceDeallocated", status.instanceDeallocated());
        }
        if (status.failure() != null) {
            body.put("failure", status.failure());
        }
        if (status.stranded() != null) {
            body.put("stranded", status.stranded());
        }
        if (status.lastError() != null) {
            body.put("lastError", status.lastError());
        }
        if (!status.surge().isEmpty()) {
            body.put("surge", status.surge().stream().map(entry -> {
                Map<String, Object> surge = new LinkedHashMap<>();
                surge.put("service", entry.serviceName());
                surge.put("serviceId", entry.serviceId());
                surge.put("originalReplicas", entry.originalReplicas());
                surge.put("added", entry.added());
                surge.put("phase", entry.phase().wireName());
                return surge;
            }).toList());
        }
        body.put("deadline", request.deadline().toString());
        body.put("requestedAt", request.requestedAt().toString());
        if (status.drainedAt() != null) {
            body.put("drainedAt", status.drainedAt().toString());
        }
        body.put("updatedAt", status.updatedAt().toString());
        body.put("statusUrl", statusUrl);
        if (!created) {
            body.put("existing", true);
        }
        return body;
    }

    /** Built from scheme and authority only: the query may hold the function key, which must not be echoed. */
    private static String statusUrl(HttpRequestMessage<?> request, String hostname) {
        URI uri = request.getUri();
        return uri.getScheme() + "://" + uri.getRawAuthority() + "/api/drain/" + hostname;
    }
}
