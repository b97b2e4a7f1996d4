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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * GET /api/status (master key): nodes, instances and their match, pending tasks, drains in flight, the latest
 * decisions, and when the Docker TLS client certificate expires.
 */
public class StatusFunction {
    private final Optional<CapacityCheck> check;
    private final Optional<Instant> clientCertificateNotAfter;
    private final Clock clock;

    public StatusFunction() {
        this(ControlPlane.instance().capacityCheck(), ControlPlane.instance().dockerClientCertificateNotAfter(),
                Clock.systemUTC());
    }

    StatusFunction(Optional<CapacityCheck> check) {
        this(check, Optional.empty(), Clock.systemUTC());
    }

    StatusFunction(Optional<CapacityCheck> check, Optional<Instant> clientCertificateNotAfter, Clock clock) {
        this.check = check;
        this.clientCertificateNotAfter = clientCertificateNotAfter;
        this.clock = clock;
    }

    @FunctionName("status")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", route = "status", authLevel = AuthorizationLevel.ADMIN)
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
            Map<String, Object> body = new LinkedHashMap<>(check.get().report().toJson());
            clientCertificateNotAfter.ifPresent(notAfter -> body.put("dockerTls", dockerTls(notAfter, clock.instant())));
            return HttpReplies.jsonBuilder(request, HttpStatus.OK, body).header("Cache-Control", "no-store").build();
        } catch (SwarmUnavailableException e) {
            context.getLogger().warning("status: " + e.getMessage());
            return HttpReplies.unavailable(request, Duration.ofSeconds(5), "no_manager_reachable", "no swarm manager answered");
        }
    }

    /** The expiry of the client certificate the managers' Engine API accepts from us: its date, never the certificate. */
    static Map<String, Object> dockerTls(Instant notAfter, Instant now) {
        Map<String, Object> tls = new LinkedHashMap<>();
        tls.put("clientCertificateNotAfter", notAfter.toString());
        // Whole days, rounded down; negative once expired.
        tls.put("clientCertificateDaysLeft", Math.floorDiv(Duration.between(now, notAfter).getSeconds(), 86_400L));
        tls.put("clientCertificateExpired", !notAfter.isAfter(now));
        return tls;
    }
}
