package io.harbormaster.scaleset;

import com.azure.core.util.Context;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineImageResourceInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetInner;
import com.azure.resourcemanager.compute.models.ImageReference;
import io.harbormaster.config.ScaleSetSettings;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The {@link ImageCatalog} port backed by ARM: two reads, the scale set (VirtualMachineScaleSets_Get, for the model's
 * {@code storageProfile.imageReference} and location) and, when that says {@code latest} for a marketplace image,
 * VirtualMachineImages_List ({@code GET .../locations/{l}/publishers/{p}/artifacttypes/vmimage/offers/{o}/skus/{s}/versions}).
 * Every version is listed and the newest picked by its parts: the list's {@code $orderby} sorts names as text.
 * A gallery image ({@code imageReference.id}) answers empty: the spec gives an instance's {@code exactVersion} for
 * platform and marketplace images only, so there is no running version to compare a gallery's newest with.
 */
public final class AzureImageCatalog implements ImageCatalog {
    private static final Logger LOG = Logger.getLogger(AzureImageCatalog.class.getName());
    private static final String LATEST = "latest";

    private final ComputeManagementClient compute;
    private final String resourceGroup;
    private final String name;
    private final ArmCallPolicy policy;

    public AzureImageCatalog(ComputeManagementClient compute, ScaleSetSettings target, ArmCallPolicy policy) {
        this.compute = compute;
        this.resourceGroup = target.resourceGroup();
        this.name = target.scaleSetName();
        this.policy = policy;
    }

    /** Production: the same cloud, credential, retries and timeouts as {@link AzureScaleSet#connect(ScaleSetSettings)}. */
    public static AzureImageCatalog connect(ScaleSetSettings target) {
        return new AzureImageCatalog(AzureScaleSet.computeClient(target), target, ArmCallPolicy.defaults());
    }

    @Override
    public Optional<String> newestUnderLatest() {
        VirtualMachineScaleSetInner scaleSet = call("read scale set " + name,
                () -> compute.getVirtualMachineScaleSets().getByResourceGroupWithResponse(resourceGroup, name, null,
                        Context.NONE).getValue());
        ImageReference image = scaleSet.virtualMachineProfile() == null
                || scaleSet.virtualMachineProfile().storageProfile() == null ? null
                : scaleSet.virtualMachineProfile().storageProfile().imageReference();
        if (image == null || !LATEST.equalsIgnoreCase(image.version()) || image.publisher() == null
                || image.offer() == null || image.sku() == null) {
            if (image != null && image.id() != null) {
                LOG.fine(() -> "scale set " + name + " uses gallery image " + image.id() + ": its newest version is"
                        + " not compared (instances report exactVersion for marketplace images only)");
            }
            return Optional.empty();
        }
        String what = "list versions of image " + image.publisher() + ":" + image.offer() + ":" + image.sku() + " in "
                + scaleSet.location();
        List<VirtualMachineImageResourceInner> versions = call(what,
                () -> compute.getVirtualMachineImages().listWithResponse(scaleSet.location(), image.publisher(),
                        image.offer(), image.sku(), null, null, null, Context.NONE).getValue());
        return ImageVersions.newest(versions == null ? List.of()
                : versions.stream().map(VirtualMachineImageResourceInner::name).toList());
    }

    private <T> T call(String action, java.util.function.Supplier<T> request) {
        try {
            return request.get();
        } catch (RuntimeException e) {
            throw ArmFailures.of(action, e, false, policy.operationTimeout());
        }
    }

    @Override
    public String toString() {
        return "AzureImageCatalog[" + resourceGroup + "/" + name + "]";
    }
}
