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
import io.harbormaster.lifecycle.upgrade.UpgradeCodec;
import io.harbormaster.lifecycle.upgrade.UpgradeControl;
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
    private final Optional<UpgradeControl> upgrade;

    public StatusFunction() {
        this(ControlPlane.instance().capacityCheck(), ControlPlane.instance().dockerClientCertificateNotAfter(),
                Clock.systemUTC(), ControlPlane.instance().upgradeControl());
    }

    StatusFunction(Optional<CapacityCheck> check) {
        this(check, Optional.empty(), Clock.systemUTC());
    }

    StatusFunction(Optional<CapacityCheck> check, Optional<Instant> clientCertificateNotAfter, Clock clock) {
        this(check, clientCertificateNotAfter, clock, Optional.empty());
    }

    StatusFunction(Optional<CapacityCheck> check, Optional<Instant> clientCertificateNotAfter, Clock clock,
            Optional<UpgradeControl> upgrade) {
        this.upgrade = upgrade;
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
            upgrade.ifPresent(control -> body.put("upgrade", upgrade(control, Duration.ZERO, context)));
            return HttpReplies.jsonBuilder(request, HttpStatus.OK, body).header("Cache-Control", "no-store").build();
        } catch (SwarmUnavailableException e) {
            context.getLogger().warning("status: " + e.getMessage());
            return HttpReplies.unavailable(request, Duration.ofSeconds(5), "no_manager_reachable", "no swarm manager answered");
        }
    }

    /** The rolling upgrade, instance by instance; {@code {"state":"none"}} before the first. */
    static Map<String, Object> upgrade(UpgradeControl control, Duration maxAge, ExecutionContext context) {
        try {
            return control.recentStatus(maxAge).map(UpgradeCodec::view).orElseGet(() -> Map.of("state", "none"));
        } catch (RuntimeException e) {
            context.getLogger().warning("status: the upgrade status could not be read (" + e.getClass().getSimpleName() + ")");
            return Map.of("state", "unknown", "error", "storage_unavailable");
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
