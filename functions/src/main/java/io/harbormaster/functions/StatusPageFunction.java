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
import io.harbormaster.capacity.CapacityCheck;
import io.harbormaster.lifecycle.upgrade.UpgradeControl;
import io.harbormaster.status.PageAssets;
import io.harbormaster.status.StatusPageData;
import io.harbormaster.swarm.SwarmUnavailableException;
import io.harbormaster.trust.OperatorAuth;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The status page (GET /api/ui/) with its files, and the data it polls (GET /api/ui/data): anonymous for the
 * Functions host, since a browser holds no key; our {@link OperatorAuth} lets operators in and refuses the rest.
 */
public class StatusPageFunction {
    /** No inline script or style, nothing from elsewhere, never in a frame. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final PageAssets ASSETS = new PageAssets();

    private final OperatorAuth auth;
    private final Optional<CapacityCheck> check;
    private final Optional<UpgradeControl> upgrade;

    public StatusPageFunction() {
        this(ControlPlane.instance().operatorAuth(), ControlPlane.instance().capacityCheck(),
                ControlPlane.instance().upgradeControl());
    }

    StatusPageFunction(OperatorAuth auth, Optional<CapacityCheck> check) {
        this(auth, check, Optional.empty());
    }

    StatusPageFunction(OperatorAuth auth, Optional<CapacityCheck> check, Optional<UpgradeControl> upgrade) {
        this.auth = auth;
        this.check = check;
        this.upgrade = upgrade;
    }

    @FunctionName("statusPage")
    public HttpResponseMessage page(
            @HttpTrigger(name = "req", route = "ui/{*asset}", methods = {HttpMethod.GET},
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("asset") String asset,
            ExecutionContext context) {
        Optional<PageAssets.Asset> found = ASSETS.find(asset);
        if (found.isEmpty()) {
            return HttpReplies.error(request, HttpStatus.NOT_FOUND, "not_found", "no such file of the status page: "
                    + HttpReplies.quote(asset));
        }
        if (found.get().operatorOnly()
                && auth.check(request.getHeaders()) instanceof OperatorAuth.Refused refused) {
            if (refused.status() == 401) {
                return request.createResponseBuilder(HttpStatus.FOUND)
                        .header("Location", auth.loginLocation())
                        .header("Cache-Control", "no-store")
                        .build();
            }
            return refusal(request, refused);
        }
        return request.createResponseBuilder(HttpStatus.OK)
                .header("Content-Type", found.get().contentType())
                .header("Cache-Control", found.get().operatorOnly() ? "no-store" : "no-cache")
                .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .body(found.get().text())
                .build();
    }

    @FunctionName("statusPageData")
    public HttpResponseMessage data(
            @HttpTrigger(name = "req", route = "ui/data", methods = {HttpMethod.GET},
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        if (auth.check(request.getHeaders()) instanceof OperatorAuth.Refused refused) {
            return refusal(request, refused);
        }
        if (check.isEmpty()) {
            return HttpReplies.error(request, HttpStatus.CONFLICT, "no_scale_set",
                    "no scale set is configured (setting HARBORMASTER_SCALE_SET_NAME)");
        }
        try {
            // The same shared snapshot as GET /api/status: however many pages poll, at most one every 2 s.
            Map<String, Object> data = new LinkedHashMap<>(StatusPageData.toJson(check.get().report()));
            // The upgrade as read at most 2 s ago by this instance, as the snapshot: no storage read per viewer.
            upgrade.ifPresent(control -> data.put("upgrade", StatusFunction.upgrade(control,
                    CapacityCheck.STATUS_SNAPSHOT_MAX_AGE, context)));
            return HttpReplies.jsonBuilder(request, HttpStatus.OK, data)
                    .header("Cache-Control", "no-store")
                    .header("X-Content-Type-Options", "nosniff")
                    .build();
        } catch (SwarmUnavailableException e) {
            context.getLogger().warning("status page data: " + e.getMessage());
            return HttpReplies.unavailable(request, Duration.ofSeconds(5), "no_manager_reachable", "no swarm manager answered");
        }
    }

    static HttpResponseMessage refusal(HttpRequestMessage<?> request, OperatorAuth.Refused refused) {
        return HttpReplies.errorBuilder(request, HttpStatus.valueOf(refused.status()), refused.code(), refused.message())
                .header("Cache-Control", "no-store")
                .build();
    }
}
