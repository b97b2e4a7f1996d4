package io.harbormaster.functions;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import io.harbormaster.audit.AuditCodec;
import io.harbormaster.audit.RecentEvents;
import io.harbormaster.trust.OperatorAuth;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * GET /api/ui/events: the audit trail's newest events for the status page, to a signed-in operator (as /api/ui/data),
 * from one read shared by every viewer.
 */
public class StatusPageEventsFunction {
    private final OperatorAuth auth;
    private final RecentEvents events;

    public StatusPageEventsFunction() {
        this(ControlPlane.instance().operatorAuth(), ControlPlane.instance().recentEvents());
    }

    StatusPageEventsFunction(OperatorAuth auth, RecentEvents events) {
        this.auth = auth;
        this.events = events;
    }

    @FunctionName("statusPageEvents")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", route = "ui/events", methods = {HttpMethod.GET},
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        if (auth.check(request.getHeaders()) instanceof OperatorAuth.Refused refused) {
            return StatusPageFunction.refusal(request, refused);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        try {
            body.put("window", RecentEvents.WINDOW.toString());
            body.put("events", events.newest().stream().map(AuditCodec::json).toList());
        } catch (RuntimeException e) {
            context.getLogger().warning("status page events: " + e.getClass().getSimpleName());
            return HttpReplies.unavailable(request, Duration.ofSeconds(5), "audit_unavailable",
                    "the audit trail could not be read");
        }
        return HttpReplies.jsonBuilder(request, HttpStatus.OK, body).header("Cache-Control", "no-store")
                .header("X-Content-Type-Options", "nosniff").build();
    }
}
