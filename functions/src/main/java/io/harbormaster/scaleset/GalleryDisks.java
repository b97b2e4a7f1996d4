package io.harbormaster.scaleset;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which gallery image version each VM of a scale set runs, from the OS disks Disks_ListByResourceGroup gives: a disk
 * made from a gallery image names the version in {@code creationData.galleryImageReference.id} (DiskRP CreationData),
 * and its VM in {@code managedBy}. A Uniform VM's id ends {@code virtualMachineScaleSets/{name}/virtualMachines/{id}},
 * a Flexible VM's {@code virtualMachines/{name}}: keyed as the scale set lists them (instance id, VM name).
 */
final class GalleryDisks {
    private static final Pattern UNIFORM_VM = Pattern.compile(
            "/providers/Microsoft\\.Compute/virtualMachineScaleSets/([^/]+)/virtualMachines/([^/]+)$",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern STANDARD_VM = Pattern.compile("/providers/Microsoft\\.Compute/virtualMachines/([^/]+)$",
            Pattern.CASE_INSENSITIVE);

    private GalleryDisks() {
    }

    /** What is read of a disk: the VM that holds it and the gallery image version it was made from (null: none). */
    record Disk(String managedBy, String galleryImageVersionId) {
    }

    /**
     * The running version by instance id, for disks made from a version of {@code model}'s definition and held by a
     * VM of scale set {@code scaleSetName} (Uniform) or by a standard VM (Flexible: the caller looks up its own VMs'
     * names only). A disk of another image, or a detached one, says nothing.
     */
    static Map<String, String> versions(List<Disk> disks, GalleryImage model, String scaleSetName) {
        Map<String, String> versions = new TreeMap<>();
        for (Disk disk : disks) {
            Optional<String> version = GalleryImage.versionOf(disk.galleryImageVersionId());
            if (disk.managedBy() == null || version.isEmpty() || !model.sameDefinition(disk.galleryImageVersionId())) {
                continue;
            }
            instanceId(disk.managedBy(), scaleSetName).ifPresent(id -> versions.put(id, version.get()));
        }
        return versions;
    }

    static Optional<String> instanceId(String vmId, String scaleSetName) {
        Matcher uniform = UNIFORM_VM.matcher(vmId);
        if (uniform.find()) {
            return uniform.group(1).toLowerCase(Locale.ROOT).equals(scaleSetName.toLowerCase(Locale.ROOT))
                    ? Optional.of(uniform.group(2)) : Optional.empty();
        }
        Matcher standard = STANDARD_VM.matcher(vmId);
        return standard.find() ? Optional.of(standard.group(1)) : Optional.empty();
    }
}
