package io.harbormaster.scaleset;

import java.util.Locale;

/**
 * Whether a Flexible scale set's VM is on the scale set's model, from what ARM shows of both: a standard VM has no
 * {@code latestModelApplied} (Learn, "Orchestration modes API comparison": a Flexible VM is read through the single-VM
 * API, whose {@code VirtualMachine} has no such property), so its size and image are compared with the model's.
 * Custom data cannot be compared: a VM read does not give {@code osProfile.customData} back, so a change of custom data
 * alone shows no VM as behind.
 */
public final class FlexibleModelMatch {
    private FlexibleModelMatch() {
    }

    /**
     * An image reference as ARM gives it ({@code ImageReference}): a marketplace image by publisher, offer, SKU and
     * version ({@code latest} in a model), or a custom or gallery image by its resource id.
     */
    public record Image(String publisher, String offer, String sku, String version, String id) {
    }

    /**
     * What is compared of a VM ({@code hardwareProfile.vmSize}, {@code storageProfile.imageReference}) or of the model
     * ({@code sku.name}, {@code virtualMachineProfile.storageProfile.imageReference}); {@code exactVersion} is the
     * version a VM runs (ARM's {@code imageReference.exactVersion}), null for the model.
     */
    public record Look(String size, Image image, String exactVersion) {
    }

    /**
     * True when nothing that can be seen differs: the same size, the same image (a model that says {@code latest},
     * or names a gallery image definition, matches any version here; the newest published version is the upgrade's own check, through
     * {@link ImageCatalog}). What the model leaves out is not compared.
     */
    public static boolean onModel(Look vm, Look model) {
        if (model.size() != null && !same(model.size(), vm.size())) {
            return false;
        }
        Image wanted = model.image();
        if (wanted == null) {
            return true;
        }
        Image has = vm.image();
        if (has == null) {
            return false;
        }
        if (wanted.id() != null) {
            // A gallery image under latest matches any version of its definition, as a marketplace image under
            // latest does: whether the VM runs the newest is the upgrade's own check (its OS disk's version).
            return GalleryImage.parse(wanted.id()).filter(GalleryImage::latest)
                    .map(gallery -> gallery.sameDefinition(has.id()))
                    .orElse(same(wanted.id(), has.id()));
        }
        if (!same(wanted.publisher(), has.publisher()) || !same(wanted.offer(), has.offer())
                || !same(wanted.sku(), has.sku())) {
            return false;
        }
        String version = wanted.version();
        return version == null || "latest".equalsIgnoreCase(version) || same(version, has.version())
                || same(version, vm.exactVersion());
    }

    private static boolean same(String a, String b) {
        return a != null && b != null && a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT));
    }
}
