package io.harbormaster.scaleset;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.http.rest.Response;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.exception.ManagementError;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.polling.PollResult;
import com.azure.core.management.profile.AzureProfile;
import com.azure.core.util.Context;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import com.azure.identity.AzureCliCredentialBuilder;
import com.azure.identity.ChainedTokenCredentialBuilder;
import com.azure.identity.EnvironmentCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.resourcemanager.compute.ComputeManager;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.compute.fluent.VirtualMachineScaleSetVMsClient;
import com.azure.resourcemanager.compute.fluent.VirtualMachineScaleSetsClient;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetVMInner;
import com.azure.resourcemanager.compute.models.InstanceViewStatus;
import com.azure.resourcemanager.compute.models.Sku;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdate;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMInstanceRequiredIDs;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMProtectionPolicy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.config.AzureCloud;
import io.harbormaster.config.ScaleSetSettings;
import io.harbormaster.scaleset.ScaleSetInstance.PowerState;
import io.harbormaster.scaleset.ScaleSetModel.OrchestrationMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/** The {@link ScaleSet} port backed by Azure Resource Manager through azure-resourcemanager-compute; Uniform scale sets only. */
public final class AzureScaleSet implements ScaleSet {
    private static final Logger LOG = Logger.getLogger(AzureScaleSet.class.getName());
    // The SDK warns on every request that the JDK client sets content-length itself, which is harmless and would
    // bury the function's own log; the logger is kept here because java.util.logging holds it weakly.
    private static final Logger JDK_CLIENT_LOG = Logger.getLogger("com.azure.core.http.jdk.httpclient.JdkHttpClient");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern UNIFORM_INSTANCE_ID = Pattern.compile("\\d{1,10}");
    private static final String POWER_STATE_PREFIX = "PowerState/";
    /** Failed operations that no amount of waiting fixes: quota, SKU and request errors need a person. */
    private static final Set<String> PERMANENT_OPERATION_ERRORS = Set.of(
            "QuotaExceeded", "OperationNotAllowed", "SkuNotAvailable", "InvalidParameter", "BadRequest",
            "AuthorizationFailed", "LinkedAuthorizationFailed");

    /**
     * 409 codes that name another operation still running on the instance or scale set; it ends by itself, so the
     * request may pass on the caller's next pass. {@code Conflict}: "The request failed due to conflict with a
     * concurrent request." (cloudfoundry/bosh-azure-cpi-release#173); {@code AnotherOperationInProgress}: listed with
     * it in Learn's common-deployment-errors as an operation that waits for a concurrent one (emulator README).
     */
    private static final Set<String> CONCURRENT_OPERATION_CONFLICTS = Set.of("conflict", "anotheroperationinprogress");
    // Azure/azure-sdk-for-python#2702, sassoftware/viya4-iac-azure#140: "... since the VM is marked for deletion.
    // You can only retry the Delete operation (or wait for an ongoing one to complete)."
    private static final String MARKED_FOR_DELETION = "marked for deletion";

    static {
        JDK_CLIENT_LOG.setLevel(Level.SEVERE);
    }

    private final VirtualMachineScaleSetsClient scaleSets;
    private final VirtualMachineScaleSetVMsClient virtualMachines;
    private final String resourceGroup;
    private final String name;
    private final ArmCallPolicy policy;
    // A scale set's orchestration mode is fixed at creation, so one confirmation per process is enough.
    private volatile boolean uniformConfirmed;

    private AzureScaleSet(ComputeManagementClient compute, ScaleSetSettings target, ArmCallPolicy policy) {
        this.scaleSets = compute.getVirtualMachineScaleSets();
        this.virtualMachines = compute.getVirtualMachineScaleSetVMs();
        this.resourceGroup = target.resourceGroup();
        this.name = target.scaleSetName();
        this.policy = policy;
    }

    /**
     * Production: the cloud the settings name (Azure's public cloud unless told otherwise), with {@link #credential}
     * (the function app's managed identity in Azure; the emulator's identity endpoint locally).
     */
    public static AzureScaleSet connect(ScaleSetSettings settings) {
        ArmCallPolicy policy = ArmCallPolicy.defaults();
        HttpClient http = jdkHttpClient(java.net.http.HttpClient.newBuilder(), policy);
        return connect(settings, settings.cloud().resourceManagerEndpoint(), credential(http), http, policy);
    }

    /**
     * DefaultAzureCredential's order without its IDE credentials: a service principal from AZURE_CLIENT_* variables,
     * the App Service managed identity (user-assigned when AZURE_CLIENT_ID names it), then {@code az login}. The IDE
     * credentials need JNA and the MSAL token-cache extension, which the function app does not ship. The managed
     * identity is asked only through the endpoint App Service gives a function app (IDENTITY_ENDPOINT and
     * IDENTITY_HEADER), never through the Instance Metadata Service: a function app has no use for it, and outside
     * Azure its link-local address may answer for another machine.
     */
    public static TokenCredential credential(HttpClient http) {
        ChainedTokenCredentialBuilder chain = new ChainedTokenCredentialBuilder()
                .addLast(new EnvironmentCredentialBuilder().httpClient(http).build());
        if (present(AzureCloud.IDENTITY_ENDPOINT) && present(AzureCloud.IDENTITY_HEADER)) {
            ManagedIdentityCredentialBuilder managedIdentity = new ManagedIdentityCredentialBuilder().httpClient(http);
            if (present("AZURE_CLIENT_ID")) {
                managedIdentity.clientId(System.getenv("AZURE_CLIENT_ID"));
            }
            chain.addLast(managedIdentity.build());
        }
        return chain.addLast(new AzureCliCredentialBuilder().build()).build();
    }

    private static boolean present(String variable) {
        String value = System.getenv(variable);
        return value != null && !value.isBlank();
    }

    /**
     * Against any ARM endpoint with any credential and client: other clouds, and tests' loopback servers. Nothing is
     * sent until the first call. The SDK sends the bearer token over https only.
     */
    public static AzureScaleSet connect(
            ScaleSetSettings settings, URI resourceManagerEndpoint, TokenCredential credential, HttpClient httpClient,
            ArmCallPolicy policy) {
        Map<String, String> endpoints = new HashMap<>(environment(settings.cloud()).getEndpoints());
        endpoints.put("resourceManagerEndpointUrl", resourceManagerEndpoint.toString());
        AzureProfile profile = new AzureProfile(null, settings.subscriptionId(), new AzureEnvironment(endpoints));
        ComputeManager manager = ComputeManager.configure()
                .withHttpClient(httpClient)
                .withRetryPolicy(new RetryPolicy(new ArmRetryStrategy(policy)))
                // Request and response logging would print ARM's answers into the function's logs; our messages suffice.
                .withLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE))
                .authenticate(credential, profile);
        return new AzureScaleSet(manager.serviceClient(), settings, policy);
    }

    /** A sovereign cloud's other endpoints (the token audience among them); a URL takes the public cloud's. */
    private static AzureEnvironment environment(AzureCloud cloud) {
        return switch (cloud.name()) {
            case "AzureUSGovernment" -> AzureEnvironment.AZURE_US_GOVERNMENT;
            case "AzureChinaCloud" -> AzureEnvironment.AZURE_CHINA;
            default -> AzureEnvironment.AZURE;
        };
    }

    /** The JDK HttpClient with the policy's timeouts; {@code base} may carry an SSLContext or an executor. */
    public static HttpClient jdkHttpClient(java.net.http.HttpClient.Builder base, ArmCallPolicy policy) {
        return new JdkHttpClientBuilder(base)
                .connectionTimeout(policy.connectTimeout())
                .responseTimeout(policy.responseTimeout())
                .readTimeout(policy.responseTimeout())
                .writeTimeout(policy.responseTimeout())
                .build();
    }

    @Override
    public ScaleSetModel describe() {
        Response<VirtualMachineScaleSetInner> response = call("read scale set " + name,
                () -> scaleSets.getByResourceGroupWithResponse(resourceGroup, name, null, Context.NONE));
        VirtualMachineScaleSetInner scaleSet = response.getValue();
        OrchestrationMode mode = orchestrationMode(scaleSet);
        if (mode == OrchestrationMode.UNIFORM) {
            uniformConfirmed = true;
        }
        Sku sku = Objects.requireNonNullElseGet(scaleSet.sku(), Sku::new);
        // The etag property is recent in the API; the ETag header carries the same value in older answers.
        String etag = Optional.ofNullable(scaleSet.etag())
                .orElseGet(() -> response.getHeaders().getValue(HttpHeaderName.ETAG));
        return new ScaleSetModel(
                scaleSet.id(),
                scaleSet.name(),
                Objects.requireNonNullElse(sku.capacity(), 0L),
                sku.name(),
                mode,
                scaleSet.provisioningState(),
                etag);
    }

    @Override
    public List<ScaleSetInstance> instances() {
        requireUniform();
        // Power states live in the instance view, which ARM only includes in a list when asked to expand it.
        return call("list instances of scale set " + name,
                () -> virtualMachines.list(resourceGroup, name, null, null, "instanceView", Context.NONE).stream()
                        .map(AzureScaleSet::instance)
                        .toList());
    }

    @Override
    public void setCapacity(long capacity, String expectedEtag) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must not be negative: " + capacity);
        }
        if (expectedEtag == null || expectedEtag.isBlank()) {
            throw new IllegalArgumentException("expectedEtag is required: a capacity write must not overwrite a change it has not seen");
        }
        requireUniform();
        VirtualMachineScaleSetUpdate update = new VirtualMachineScaleSetUpdate().withSku(new Sku().withCapacity(capacity));
        String action = "set capacity of scale set " + name + " to " + capacity;
        call(action, () -> awaitOperation(action,
                scaleSets.beginUpdate(resourceGroup, name, update, expectedEtag, null, Context.NONE)));
    }

    @Override
    public void deleteInstances(Collection<String> instanceIds) {
        Set<String> ids = instanceIds(instanceIds);
        if (ids.isEmpty()) {
            return;
        }
        requireUniform();
        String action = "delete instances " + ids + " of scale set " + name;
        try {
            awaitOperation(action, beginDelete(ids));
        } catch (HttpResponseException e) {
            if (!namesAnInstanceThatIsGone(e)) {
                throw failure(action, e, true);
            }
            // ARM refuses the whole request when one id is unknown; the ones still there are deleted in a second request.
            Set<String> remaining = call("list instances of scale set " + name, () -> existing(ids));
            Set<String> gone = new TreeSet<>(ids);
            gone.removeAll(remaining);
            LOG.info(() -> "Instances " + gone + " of scale set " + name + " are already gone");
            if (!remaining.isEmpty()) {
                String retry = "delete instances " + remaining + " of scale set " + name;
                call(retry, () -> awaitOperation(retry, beginDelete(remaining)), true);
            }
        } catch (RuntimeException e) {
            throw failure(action, e, true);
        }
    }

    @Override
    public void protectFromScaleIn(String instanceId, boolean protect) {
        String id = instanceIds(List.of(instanceId)).iterator().next();
        requireUniform();
        // ARM documents this PUT with only the protection policy in the body as the way to change it on one instance.
        VirtualMachineScaleSetVMInner change = new VirtualMachineScaleSetVMInner().withProtectionPolicy(
                new VirtualMachineScaleSetVMProtectionPolicy().withProtectFromScaleIn(protect));
        String action = (protect ? "protect" : "unprotect") + " instance " + id + " of scale set " + name
                + (protect ? " from" : " for") + " scale-in";
        call(action, () -> awaitOperation(action,
                virtualMachines.beginUpdate(resourceGroup, name, id, change, null, null, Context.NONE)));
    }

    private SyncPoller<PollResult<Void>, Void> beginDelete(Set<String> ids) {
        VirtualMachineScaleSetVMInstanceRequiredIDs request =
                new VirtualMachineScaleSetVMInstanceRequiredIDs().withInstanceIds(List.copyOf(ids));
        return scaleSets.beginDeleteInstances(resourceGroup, name, request, null, Context.NONE);
    }

    private Set<String> existing(Set<String> ids) {
        Set<String> existing = new TreeSet<>();
        virtualMachines.list(resourceGroup, name, null, null, null, Context.NONE).forEach(vm -> {
            // ARM lists an instance it is deleting until it is gone, but refuses a delete naming it with the same 400
            // as a gone one: Azure's own delete is under way, so it counts as deleted here.
            if (ids.contains(vm.instanceId()) && !"Deleting".equalsIgnoreCase(vm.provisioningState())) {
                existing.add(vm.instanceId());
            }
        });
        return existing;
    }

    /** Waits for the operation ARM started; returns only when it succeeded. */
    private <T> Void awaitOperation(String action, SyncPoller<PollResult<T>, T> poller) {
        poller.setPollInterval(policy.pollInterval());
        PollResponse<PollResult<T>> last = poller.waitForCompletion(policy.operationTimeout());
        if (last.getStatus() != LongRunningOperationStatus.SUCCESSFULLY_COMPLETED) {
            throw operationFailed(action, last);
        }
        return null;
    }

    private void requireUniform() {
        if (uniformConfirmed) {
            return;
        }
        ScaleSetModel model = describe();
        if (model.orchestrationMode() != OrchestrationMode.UNIFORM) {
            throw new ScaleSetException("Scale set " + name + " uses " + model.orchestrationMode().name().toLowerCase(Locale.ROOT)
                    + " orchestration; Harbormaster needs Uniform orchestration, whose instance ids, deleteInstances and"
                    + " per-instance scale-in protection it relies on. Recreate the agents' scale set with"
                    + " orchestrationMode Uniform (as infra/cluster.json does)", false, null);
        }
    }

    private static OrchestrationMode orchestrationMode(VirtualMachineScaleSetInner scaleSet) {
        // Scale sets created before the property existed are Uniform, and ARM may leave it out for them.
        if (scaleSet.orchestrationMode() == null
                || "Uniform".equalsIgnoreCase(scaleSet.orchestrationMode().toString())) {
            return OrchestrationMode.UNIFORM;
        }
        return OrchestrationMode.FLEXIBLE;
    }

    private static ScaleSetInstance instance(VirtualMachineScaleSetVMInner vm) {
        String computerName = vm.osProfile() != null ? vm.osProfile().computerName() : null;
        if (computerName == null && vm.instanceView() != null) {
            computerName = vm.instanceView().computerName();
        }
        return new ScaleSetInstance(
                vm.instanceId(),
                computerName,
                powerState(vm),
                vm.provisioningState(),
                vm.timeCreated() == null ? null : vm.timeCreated().toInstant(),
                vm.protectionPolicy() != null && Boolean.TRUE.equals(vm.protectionPolicy().protectFromScaleIn()));
    }

    static PowerState powerState(VirtualMachineScaleSetVMInner vm) {
        if (vm.instanceView() == null || vm.instanceView().statuses() == null) {
            return PowerState.UNKNOWN;
        }
        for (InstanceViewStatus status : vm.instanceView().statuses()) {
            String code = status.code();
            if (code != null && code.regionMatches(true, 0, POWER_STATE_PREFIX, 0, POWER_STATE_PREFIX.length())) {
                return switch (code.substring(POWER_STATE_PREFIX.length()).toLowerCase(Locale.ROOT)) {
                    case "starting" -> PowerState.STARTING;
                    case "running" -> PowerState.RUNNING;
                    case "stopping" -> PowerState.STOPPING;
                    case "stopped" -> PowerState.STOPPED;
                    case "deallocating" -> PowerState.DEALLOCATING;
                    case "deallocated" -> PowerState.DEALLOCATED;
                    default -> PowerState.UNKNOWN;
                };
            }
        }
        return PowerState.UNKNOWN;
    }

    private static Set<String> instanceIds(Collection<String> instanceIds) {
        Set<String> ids = new TreeSet<>();
        for (String id : instanceIds) {
            if (id == null || !UNIFORM_INSTANCE_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("not an instance id of a Uniform scale set (a whole number): " + id);
            }
            ids.add(id);
        }
        return ids;
    }

    private <T> T call(String action, Supplier<T> request) {
        return call(action, request, false);
    }

    /** {@code deleting}: the request deletes instances, for which a 409 about one marked for deletion is retryable. */
    private <T> T call(String action, Supplier<T> request, boolean deleting) {
        try {
            return request.get();
        } catch (ScaleSetException e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure(action, e, deleting);
        }
    }

    /** Messages are built from status, ARM's error code and message, never from requests, so no token reaches them. */
    private ScaleSetException failure(String action, RuntimeException e, boolean deleting) {
        if (e instanceof ScaleSetException known) {
            return known;
        }
        // Before the general HTTP case: its response, if any, is the identity endpoint's, not ARM's.
        if (e instanceof ClientAuthenticationException) {
            return new ScaleSetException("Failed to " + action + ": no token for Azure Resource Manager ("
                    + e.getClass().getSimpleName() + "); check the function app's managed identity", false, e);
        }
        if (e instanceof HttpResponseException http && http.getResponse() != null) {
            int status = status(http);
            Optional<ManagementError> error = managementError(http);
            String code = error.map(ManagementError::getCode).orElse(null);
            String detail = "Failed to " + action + ": HTTP " + status
                    + error.map(err -> " " + err.getCode() + ": " + err.getMessage()).orElse("");
            if (status == 412) {
                return new ScaleSetConflictException(detail + " (the scale set changed since it was read; read it again)", e);
            }
            if (status == 409) {
                // Never retried here (azure-core does not retry a 409, and a pass must not block): a retryable one is
                // tried again by the caller's next pass, the drain's follow-up or the next capacity check.
                return new ScaleSetException(detail, retryableConflict(error, deleting), code, e);
            }
            if (status == 429) {
                String wait = ArmRetryStrategy.retryAfter(http.getResponse())
                        .map(after -> " (ARM asks to wait " + after.toSeconds() + "s)").orElse("");
                return new ScaleSetException(detail + wait, true, code, e);
            }
            return new ScaleSetException(detail, status == 408 || status >= 500, code, e);
        }
        if (causedBy(e, TimeoutException.class)) {
            return new ScaleSetException("Failed to " + action + ": not finished within "
                    + policy.operationTimeout().toSeconds() + "s; the operation may still complete in Azure", true, e);
        }
        if (causedBy(e, IOException.class) || e instanceof UncheckedIOException) {
            return new ScaleSetException("Failed to " + action + ": no answer from Azure Resource Manager ("
                    + rootCause(e).getClass().getSimpleName() + ")", true, e);
        }
        return new ScaleSetException("Failed to " + action + ": " + rootCause(e).getClass().getSimpleName(), false, e);
    }

    private ScaleSetException operationFailed(String action, PollResponse<? extends PollResult<?>> last) {
        String code = null;
        String message = null;
        PollResult.Error error = last.getValue() == null ? null : last.getValue().getError();
        if (error != null && error.getResponseBody() != null) {
            // The operation's status document: {"status": "Failed", "error": {"code": ..., "message": ...}}.
            try {
                JsonNode body = JSON.readTree(error.getResponseBody()).path("error");
                code = body.path("code").isTextual() ? body.path("code").asText() : null;
                message = body.path("message").isTextual() ? body.path("message").asText() : null;
            } catch (IOException unreadable) {
                // the status and SDK message below still say what happened
            }
        }
        if (message == null && error != null) {
            message = error.getMessage();
        }
        boolean retryable = code == null || !PERMANENT_OPERATION_ERRORS.contains(code);
        return new ScaleSetException("Failed to " + action + ": the operation ended " + last.getStatus()
                + (code == null ? "" : " " + code) + (message == null ? "" : ": " + message), retryable, code, null);
    }

    /**
     * Which 409s waiting can fix. Another operation on the same instance or scale set ({@link
     * #CONCURRENT_OPERATION_CONFLICTS}) ends by itself: retryable. {@code OperationNotAllowed} about a VM marked for
     * deletion is retryable only on a delete: Azure is already deleting the instance, its message says to retry the
     * Delete or wait, and the next attempt finds the instance gone (or deletes it if Azure's delete failed); on any
     * other write the instance is going away, which no retry changes. Every other 409 is final: {@code
     * OperationNotAllowed} is also Compute's answer to a quota limit (Learn, "Resolve errors for resource quotas") and
     * to a powerOff of a deallocated VM (the compute spec's PowerOff), and {@code SkuNotAvailable} (Learn, "Resolve
     * errors for SKU not available") needs another size or region; a 409 without an error code is final too, since
     * nothing says what it waits for.
     */
    private static boolean retryableConflict(Optional<ManagementError> error, boolean deleting) {
        String code = error.map(ManagementError::getCode).map(c -> c.toLowerCase(Locale.ROOT)).orElse("");
        if (CONCURRENT_OPERATION_CONFLICTS.contains(code)) {
            return true;
        }
        return deleting && code.equals("operationnotallowed") && error
                .map(ManagementError::getMessage)
                .filter(message -> message.toLowerCase(Locale.ROOT).contains(MARKED_FOR_DELETION))
                .isPresent();
    }

    /**
     * ARM answers 400 InvalidParameter, targeting instanceIds, for an id that is not an active instance (public reports:
     * Azure/azure-cli#25476, microsoft/onefuzz#2547); 404 is kept for a scale set that answers as a missing resource.
     */
    private static boolean namesAnInstanceThatIsGone(HttpResponseException e) {
        if (status(e) == 404) {
            return true;
        }
        return status(e) == 400 && managementError(e)
                .filter(error -> "InvalidParameter".equalsIgnoreCase(error.getCode()))
                .filter(error -> error.getTarget() == null || "instanceIds".equalsIgnoreCase(error.getTarget()))
                .isPresent();
    }

    private static Optional<ManagementError> managementError(HttpResponseException e) {
        if (e instanceof ManagementException management && management.getValue() != null
                && management.getValue().getCode() != null) {
            return Optional.of(management.getValue());
        }
        return Optional.empty();
    }

    private static int status(HttpResponseException e) {
        return e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        Set<Throwable> seen = new HashSet<>();
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable e) {
        Set<Throwable> seen = new HashSet<>();
        Throwable root = e;
        while (root.getCause() != null && seen.add(root)) {
            root = root.getCause();
        }
        return root;
    }

    @Override
    public String toString() {
        return "AzureScaleSet[" + resourceGroup + "/" + name + "]";
    }
}
