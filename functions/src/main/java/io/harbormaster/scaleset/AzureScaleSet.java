package io.harbormaster.scaleset;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.http.rest.Response;
import com.azure.core.management.AzureEnvironment;
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
import com.azure.resourcemanager.compute.models.Sku;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdate;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMInstanceIDs;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMInstanceRequiredIDs;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMProtectionPolicy;
import io.harbormaster.config.AzureCloud;
import io.harbormaster.config.ScaleSetSettings;
import io.harbormaster.scaleset.ScaleSetModel.OrchestrationMode;
import java.net.URI;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The {@link ScaleSet} port backed by Azure Resource Manager through azure-resourcemanager-compute: a Uniform scale set
 * through the scale-set VM API, a Flexible one through the single-VM APIs and resource locks ({@link FlexibleVms}).
 */
public final class AzureScaleSet implements ScaleSet {
    private static final Logger LOG = Logger.getLogger(AzureScaleSet.class.getName());
    // The SDK warns on every request that the JDK client sets content-length itself, which is harmless and would
    // bury the function's own log; the logger is kept here because java.util.logging holds it weakly.
    private static final Logger JDK_CLIENT_LOG = Logger.getLogger("com.azure.core.http.jdk.httpclient.JdkHttpClient");
    private static final Pattern UNIFORM_INSTANCE_ID = Pattern.compile("\\d{1,10}");
    // What either mode's ids can be (a decimal instance id, a VM name): anything else is refused before any call.
    private static final Pattern ANY_INSTANCE_ID = Pattern.compile("[A-Za-z0-9][-\\w]{0,63}");
    static {
        JDK_CLIENT_LOG.setLevel(Level.SEVERE);
    }

    private final VirtualMachineScaleSetsClient scaleSets;
    private final VirtualMachineScaleSetVMsClient virtualMachines;
    private final FlexibleVms flexible;
    private final String resourceGroup;
    private final String name;
    private final ArmCallPolicy policy;
    // A scale set's orchestration mode is fixed at creation (Learn "Orchestration modes"), so one read per process is
    // enough; its id is the Flexible VM list's filter.
    private volatile OrchestrationMode mode;
    private volatile String scaleSetId;
    // The model's size and image as the last describe() read them: a Flexible VM is compared with them, and the
    // checks and upgrade passes describe before they list, so the listing costs ARM no read of its own.
    private volatile FlexibleModelMatch.Look model;

    private AzureScaleSet(ComputeManager manager, ScaleSetSettings target, ArmCallPolicy policy) {
        ComputeManagementClient compute = manager.serviceClient();
        this.scaleSets = compute.getVirtualMachineScaleSets();
        this.virtualMachines = compute.getVirtualMachineScaleSetVMs();
        this.flexible = new FlexibleVms(compute.getVirtualMachines(),
                manager.resourceManager().managementLockClient().getManagementLocks(), target.resourceGroup());
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
        ChainedTokenCredentialBuilder chain = new ChainedTokenCredentialBuilder();
        if (present("AZURE_TENANT_ID") && present("AZURE_CLIENT_ID")
                && (present("AZURE_CLIENT_SECRET") || present("AZURE_CLIENT_CERTIFICATE_PATH"))) {
            // Only when a service principal is configured: otherwise it logs an error on every token request (seen
            // as SEVERE lines in the local host's log), and AZURE_CLIENT_ID alone names a user-assigned identity.
            chain.addLast(new EnvironmentCredentialBuilder().httpClient(http).build());
        }
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
        return new AzureScaleSet(manager(settings, resourceManagerEndpoint, credential, httpClient, policy), settings, policy);
    }

    /**
     * The compute client {@link #connect(ScaleSetSettings)} uses, for other reads in the same subscription (the
     * manager VMs that attest); same cloud, credential, retries and timeouts.
     */
    public static ComputeManagementClient computeClient(ScaleSetSettings settings) {
        ArmCallPolicy policy = ArmCallPolicy.defaults();
        HttpClient http = jdkHttpClient(java.net.http.HttpClient.newBuilder(), policy);
        return computeClient(settings, settings.cloud().resourceManagerEndpoint(), credential(http), http, policy);
    }

    /** As {@link #connect(ScaleSetSettings, URI, TokenCredential, HttpClient, ArmCallPolicy)}, the client alone. */
    public static ComputeManagementClient computeClient(
            ScaleSetSettings settings, URI resourceManagerEndpoint, TokenCredential credential, HttpClient httpClient,
            ArmCallPolicy policy) {
        return manager(settings, resourceManagerEndpoint, credential, httpClient, policy).serviceClient();
    }

    /** The compute manager; its resource manager shares the pipeline, for the locks a Flexible scale set uses. */
    private static ComputeManager manager(
            ScaleSetSettings settings, URI resourceManagerEndpoint, TokenCredential credential, HttpClient httpClient,
            ArmCallPolicy policy) {
        Map<String, String> endpoints = new HashMap<>(environment(settings.cloud()).getEndpoints());
        endpoints.put("resourceManagerEndpointUrl", resourceManagerEndpoint.toString());
        AzureProfile profile = new AzureProfile(null, settings.subscriptionId(), new AzureEnvironment(endpoints));
        return ComputeManager.configure()
                .withHttpClient(httpClient)
                .withRetryPolicy(new RetryPolicy(new ArmRetryStrategy(policy)))
                // Request and response logging would print ARM's answers into the function's logs; our messages suffice.
                .withLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE))
                .authenticate(credential, profile);
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
        this.scaleSetId = scaleSet.id();
        this.mode = mode;
        Sku sku = Objects.requireNonNullElseGet(scaleSet.sku(), Sku::new);
        var profile = scaleSet.virtualMachineProfile();
        this.model = new FlexibleModelMatch.Look(sku.name(), profile == null || profile.storageProfile() == null ? null
                : FlexibleVms.image(profile.storageProfile().imageReference()), null);
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
        if (mode() == OrchestrationMode.FLEXIBLE) {
            FlexibleModelMatch.Look read = model;
            return call("list the VMs of Flexible scale set " + name, () -> flexible.instances(scaleSetId, read));
        }
        // Power states live in the instance view, which ARM only includes in a list when asked to expand it.
        return call("list instances of scale set " + name,
                () -> virtualMachines.list(resourceGroup, name, null, null, "instanceView", Context.NONE).stream()
                        .map(InstanceViews::instance)
                        .toList());
    }

    @Override
    public void setCapacity(long capacity, String expectedEtag) {
        String action = "set capacity of scale set " + name + " to " + capacity;
        VirtualMachineScaleSetUpdate update = capacityUpdate(capacity, expectedEtag);
        call(action, () -> awaitOperation(action,
                scaleSets.beginUpdate(resourceGroup, name, update, expectedEtag, null, Context.NONE)));
    }

    @Override
    public void beginSetCapacity(long capacity, String expectedEtag) {
        VirtualMachineScaleSetUpdate update = capacityUpdate(capacity, expectedEtag);
        // The SDK's poller sends the request when it is made and throws on a refusal (a 412 among them); it polls
        // only when asked, which the next capacity check does by reading the scale set instead.
        call("set capacity of scale set " + name + " to " + capacity,
                () -> scaleSets.beginUpdate(resourceGroup, name, update, expectedEtag, null, Context.NONE));
    }

    /** The capacity write both variants send, after the checks the adapter makes before anything is sent. */
    private VirtualMachineScaleSetUpdate capacityUpdate(long capacity, String expectedEtag) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must not be negative: " + capacity);
        }
        if (expectedEtag == null || expectedEtag.isBlank()) {
            throw new IllegalArgumentException("expectedEtag is required: a capacity write must not overwrite a change it has not seen");
        }
        // Either mode: a Flexible scale set with a VM profile scales by sku.capacity as a Uniform one does.
        return new VirtualMachineScaleSetUpdate().withSku(new Sku().withCapacity(capacity));
    }

    @Override
    public void beginDeleteInstances(Collection<String> instanceIds) {
        // Started, not awaited: the next capacity check reads the instances instead.
        deleteInstances(instanceIds, "start deleting", ids -> beginDelete(ids));
    }

    @Override
    public void deleteInstances(Collection<String> instanceIds) {
        deleteInstances(instanceIds, "delete", ids -> awaitOperation("delete instances " + ids + " of scale set " + name,
                beginDelete(ids)));
    }

    /**
     * Sends {@code send} for the ids. ARM refuses the whole request when one id is unknown; the ones still there are
     * then sent again on their own, so ids that no longer exist count as deleted.
     */
    private void deleteInstances(Collection<String> instanceIds, String verb, Consumer<Set<String>> send) {
        Set<String> ids = instanceIds(instanceIds);
        if (ids.isEmpty()) {
            return;
        }
        // The scale set's batch delete takes a Flexible scale set's VM names as its instance ids.
        String action = verb + " instances " + ids + " of scale set " + name;
        try {
            send.accept(ids);
        } catch (HttpResponseException e) {
            if (!ArmFailures.namesAnInstanceThatIsGone(e)) {
                throw failure(action, e, true);
            }
            Set<String> remaining = call("list instances of scale set " + name, () -> existing(ids));
            Set<String> gone = new TreeSet<>(ids);
            gone.removeAll(remaining);
            LOG.info(() -> "Instances " + gone + " of scale set " + name + " are already gone");
            if (!remaining.isEmpty()) {
                call(verb + " instances " + remaining + " of scale set " + name, () -> {
                    send.accept(remaining);
                    return null;
                }, true);
            }
        } catch (RuntimeException e) {
            throw failure(action, e, true);
        }
    }

    @Override
    public void beginDeallocate(Collection<String> instanceIds) {
        beginPower("start deallocating", instanceIds,
                request -> scaleSets.beginDeallocate(resourceGroup, name, null, request, Context.NONE),
                flexible::beginDeallocate);
    }

    @Override
    public void beginStart(Collection<String> instanceIds) {
        beginPower("start", instanceIds, request -> scaleSets.beginStart(resourceGroup, name, request, Context.NONE),
                flexible::beginStart);
    }

    /**
     * Sends a power operation for exactly these instances and returns once ARM accepted it, as deletes are started:
     * the next pass or check reads the instances' power states instead of waiting.
     */
    private void beginPower(String verb, Collection<String> instanceIds,
            java.util.function.Function<VirtualMachineScaleSetVMInstanceIDs, ?> send, Consumer<Set<String>> sendFlexible) {
        Set<String> ids = instanceIds(instanceIds);
        if (ids.isEmpty()) {
            return;
        }
        if (mode() == OrchestrationMode.FLEXIBLE) {
            // Learn "Orchestration modes API comparison": Flexible powers its VMs one by one through the VM API.
            call(verb + " VMs " + ids + " of Flexible scale set " + name, () -> {
                sendFlexible.accept(ids);
                return null;
            });
            return;
        }
        VirtualMachineScaleSetVMInstanceIDs request = new VirtualMachineScaleSetVMInstanceIDs().withInstanceIds(List.copyOf(ids));
        call(verb + " instances " + ids + " of scale set " + name, () -> send.apply(request));
    }

    @Override
    public void protectFromScaleIn(String instanceId, boolean protect) {
        String id = instanceIds(List.of(instanceId)).iterator().next();
        if (mode() == OrchestrationMode.FLEXIBLE) {
            // Learn "Orchestration modes API comparison": a resource lock stands for instance protection.
            String action = (protect ? "lock" : "unlock") + " VM " + id + " of Flexible scale set " + name;
            call(action, () -> {
                flexible.protect(scaleSetId, id, protect);
                return null;
            });
            return;
        }
        // ARM documents this PUT with only the protection policy in the body as the way to change it on one instance.
        VirtualMachineScaleSetVMInner change = new VirtualMachineScaleSetVMInner().withProtectionPolicy(
                new VirtualMachineScaleSetVMProtectionPolicy().withProtectFromScaleIn(protect));
        String action = (protect ? "protect" : "unprotect") + " instance " + id + " of scale set " + name
                + (protect ? " from" : " for") + " scale-in";
        call(action, () -> awaitOperation(action,
                virtualMachines.beginUpdate(resourceGroup, name, id, change, null, null, Context.NONE)));
    }

    @Override
    public void beginManualUpgrade(String instanceId) {
        String id = instanceIds(List.of(instanceId)).iterator().next();
        requireUniform("manualUpgrade");
        // ARM's manualupgrade (the SDK's updateInstances): started, not awaited; the upgrade's next pass looks.
        call("upgrade instance " + id + " of scale set " + name + " to the latest model",
                () -> scaleSets.beginUpdateInstances(resourceGroup, name,
                        new VirtualMachineScaleSetVMInstanceRequiredIDs().withInstanceIds(List.of(id)), Context.NONE));
    }

    @Override
    public void beginReimage(String instanceId) {
        String id = instanceIds(List.of(instanceId)).iterator().next();
        requireUniform("reimage");
        call("reimage instance " + id + " of scale set " + name,
                () -> virtualMachines.beginReimage(resourceGroup, name, id, null, Context.NONE));
    }

    private SyncPoller<PollResult<Void>, Void> beginDelete(Set<String> ids) {
        VirtualMachineScaleSetVMInstanceRequiredIDs request =
                new VirtualMachineScaleSetVMInstanceRequiredIDs().withInstanceIds(List.copyOf(ids));
        return scaleSets.beginDeleteInstances(resourceGroup, name, request, null, Context.NONE);
    }

    private Set<String> existing(Set<String> ids) {
        if (mode() == OrchestrationMode.FLEXIBLE) {
            return flexible.existing(scaleSetId, ids);
        }
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
            throw ArmFailures.operationFailed(action, last);
        }
        return null;
    }

    /** The scale set's orchestration mode, read once with {@link #describe()}. */
    private OrchestrationMode mode() {
        if (mode == null) {
            describe();
        }
        return mode;
    }

    /**
     * Refuses an operation Flexible does not have: Learn "Orchestration modes API comparison" lists no manualUpgrade
     * for it (a VM takes a new model when replaced) and reimage only for VMs with ephemeral OS disks.
     */
    private void requireUniform(String operation) {
        if (mode() != OrchestrationMode.UNIFORM) {
            throw new ScaleSetException("Scale set " + name + " uses Flexible orchestration, which has no " + operation
                    + " of its VMs (Learn: Orchestration modes API comparison): a Flexible pool's VMs take a new model"
                    + " by being replaced (a new VM, then the old one drained and deleted)", false, null);
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

    /**
     * The ids, checked against the scale set's mode: a Uniform one's are whole numbers, a Flexible one's VM names.
     * Text that is neither is refused before any call; the mode may take one read of the scale set.
     */
    private Set<String> instanceIds(Collection<String> instanceIds) {
        for (String id : instanceIds) {
            if (id == null || !ANY_INSTANCE_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("not an instance id (a whole number) or VM name: " + id);
            }
        }
        if (instanceIds.isEmpty()) {
            return Set.of();
        }
        if (mode() == OrchestrationMode.FLEXIBLE) {
            return FlexibleVms.names(instanceIds);
        }
        Set<String> ids = new TreeSet<>();
        for (String id : instanceIds) {
            if (!UNIFORM_INSTANCE_ID.matcher(id).matches()) {
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

    private ScaleSetException failure(String action, RuntimeException e, boolean deleting) {
        return ArmFailures.of(action, e, deleting, policy.operationTimeout());
    }

    @Override
    public String toString() {
        return "AzureScaleSet[" + resourceGroup + "/" + name + "]";
    }
}
