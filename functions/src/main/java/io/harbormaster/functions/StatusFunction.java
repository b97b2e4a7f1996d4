package io.harbormaster.functions;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import io.harbormaster.capacity.CapacityCheck;
import io.harbormaster.swarm.SwarmUnavailableException;
import java.time.Duration;
import java.util.Optional;

/** GET /api/status: nodes, instances and their match, pending tasks, drains in flight, the latest decisions. */
public class StatusFunction {
    private final Optional<CapacityCheck> check;

    public StatusFunction() {
        this(ControlPlane.instance().capacityCheck());
    }

    StatusFunction(Optional<CapacityCheck> check) {
        this.check = check;
    }

    @FunctionName("status")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", route = "status", authLevel = AuthorizationLevel.FUNCTION)
            HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        if (request.getHttpMethod() != HttpMethod.GET) {
            return HttpReplies.methodNotAllowed(request, "GET");
        }
        if (check.isEmpty()) {
            return HttpReplies.error(request, HttpStatus.CONFLICT, "no_scale_set",
                    "no scale set is configured (setting HARBORMASTER_SCALE_SET_NAME)");
        }
        try {
            return HttpReplies.jsonBuilder(request, HttpStatus.OK, check.get().report().toJson())
                    .header("Cache-Control", "no-store").build();
        } catch (SwarmUnavailableException e) {
            context.getLogger().warning("status: " + e.getMessage());
            return HttpReplies.unavailable(request, Duration.ofSeconds(5), "no_manager_reachable", "no swarm manager answered");
        }
    }
}
