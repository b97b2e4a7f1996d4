package io.harbormaster.scaleset;

import com.azure.core.util.Context;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.compute.fluent.models.DiskInner;
import com.azure.resourcemanager.compute.fluent.models.GalleryImageVersionInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineImageResourceInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetInner;
import com.azure.resourcemanager.compute.models.ImageReference;
import io.harbormaster.config.ScaleSetSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The {@link ImageCatalog} port backed by ARM. Each read starts with the scale set (VirtualMachineScaleSets_Get, for
 * the model's {@code storageProfile.imageReference} and location); under {@code latest}:
 * <ul>
 *   <li>a marketplace image: VirtualMachineImages_List ({@code GET .../locations/{l}/publishers/{p}/artifacttypes/
 *   vmimage/offers/{o}/skus/{s}/versions}), every version listed and the newest picked by its parts (the list's
 *   {@code $orderby} sorts names as text); instances report {@code exactVersion}, so no running versions are read;</li>
 *   <li>a gallery image ({@code imageReference.id} a definition, or its {@code versions/latest}):
 *   GalleryImageVersions_ListByGalleryImage, the newest by {@link GalleryLatest}; the running versions from one
 *   Disks_ListByResourceGroup in the scale set's group ({@link GalleryDisks}).</li>
 * </ul>
 * So a start or pass costs two reads for either kind (plus pages). A shared or community gallery image
 * ({@code sharedGalleryImageId}, {@code communityGalleryImageId}) and a gallery in another subscription answer empty:
 * not compared.
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
        VirtualMachineScaleSetInner scaleSet = readScaleSet();
        ImageReference image = modelImage(scaleSet);
        if (image == null) {
            return Optional.empty();
        }
        Optional<GalleryImage> gallery = galleryUnderLatest(image);
        if (gallery.isPresent()) {
            return newestInGallery(gallery.get(), scaleSet.location());
        }
        if (!LATEST.equalsIgnoreCase(image.version()) || image.publisher() == null || image.offer() == null
                || image.sku() == null) {
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

    @Override
    public Optional<Map<String, String>> runningVersions() {
        VirtualMachineScaleSetInner scaleSet = readScaleSet();
        ImageReference image = modelImage(scaleSet);
        Optional<GalleryImage> gallery = image == null ? Optional.empty() : galleryUnderLatest(image);
        if (gallery.isEmpty()) {
            return Optional.empty();
        }
        List<GalleryDisks.Disk> disks = new ArrayList<>();
        call("list disks in resource group " + resourceGroup, () -> {
            for (DiskInner disk : compute.getDisks().listByResourceGroup(resourceGroup, Context.NONE)) {
                var source = disk.creationData() == null ? null : disk.creationData().galleryImageReference();
                disks.add(new GalleryDisks.Disk(disk.managedBy(), source == null ? null : source.id()));
            }
            return disks;
        });
        return Optional.of(GalleryDisks.versions(disks, gallery.get(), name));
    }

    private VirtualMachineScaleSetInner readScaleSet() {
        return call("read scale set " + name,
                () -> compute.getVirtualMachineScaleSets().getByResourceGroupWithResponse(resourceGroup, name, null,
                        Context.NONE).getValue());
    }

    private static ImageReference modelImage(VirtualMachineScaleSetInner scaleSet) {
        return scaleSet.virtualMachineProfile() == null || scaleSet.virtualMachineProfile().storageProfile() == null
                ? null : scaleSet.virtualMachineProfile().storageProfile().imageReference();
    }

    /** The model's gallery image when it leaves the version to Azure and this client can list it; else empty. */
    private Optional<GalleryImage> galleryUnderLatest(ImageReference image) {
        if (image.sharedGalleryImageId() != null || image.communityGalleryImageId() != null) {
            LOG.fine(() -> "scale set " + name + " uses a shared or community gallery image: its versions are not"
                    + " compared");
            return Optional.empty();
        }
        Optional<GalleryImage> gallery = GalleryImage.parse(image.id()).filter(GalleryImage::latest);
        if (gallery.isPresent() && !gallery.get().subscription().equalsIgnoreCase(compute.getSubscriptionId())) {
            LOG.warning("scale set " + name + " uses gallery image " + image.id() + " of another subscription: its"
                    + " versions are not compared");
            return Optional.empty();
        }
        return gallery;
    }

    private Optional<String> newestInGallery(GalleryImage gallery, String location) {
        List<GalleryLatest.Version> versions = new ArrayList<>();
        call("list versions of gallery image " + gallery.gallery() + "/" + gallery.image(), () -> {
            for (GalleryImageVersionInner version : compute.getGalleryImageVersions().listByGalleryImage(
                    gallery.resourceGroup(), gallery.gallery(), gallery.image(), Context.NONE)) {
                versions.add(version(version));
            }
            return versions;
        });
        return GalleryLatest.newest(versions, location);
    }

    private static GalleryLatest.Version version(GalleryImageVersionInner version) {
        var profile = version.publishingProfile();
        List<GalleryLatest.Region> regions = profile == null || profile.targetRegions() == null ? List.of()
                : profile.targetRegions().stream().map(region -> new GalleryLatest.Region(region.name(),
                        Boolean.TRUE.equals(region.excludeFromLatest()))).toList();
        return new GalleryLatest.Version(version.name(),
                version.provisioningState() == null ? null : version.provisioningState().toString(),
                profile != null && Boolean.TRUE.equals(profile.excludeFromLatest()), regions);
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
