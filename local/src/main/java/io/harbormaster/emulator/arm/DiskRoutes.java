package io.harbormaster.emulator.arm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.harbormaster.emulator.cloud.EmulatedCloud;
import io.harbormaster.emulator.cloud.ImageReference;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import java.util.List;
import java.util.Locale;

/**
 * Disks_ListByResourceGroup, {@code GET /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/disks}
 * (SPEC DiskRP diskRPCommon.json / disk.json, the api-version the SDK sends for disks): {@code {value: [Disk]}} in one
 * page. Each Flexible VM's OS disk: {@code managedBy} its VM's id, {@code properties.creationData} {@code FromImage}
 * with {@code galleryImageReference.id} the gallery image version it was made from ("the ARM id of the shared galley
 * image version from which to create a disk"), or {@code imageReference.id} the marketplace image version's id.
 */
final class DiskRoutes {
    static final String API_VERSION = "2025-01-02";

    private final EmulatedCloud cloud;
    private final ArmJson json;
    private final String resourceGroup;

    DiskRoutes(EmulatedCloud cloud, ArmJson json, String resourceGroup) {
        this.cloud = cloud;
        this.json = json;
        this.resourceGroup = resourceGroup;
    }

    /** Whether the segments are a resource group's disks: the DiskRP api-version applies. */
    static boolean handles(List<String> s) {
        return s.size() == 7 && s.get(2).equalsIgnoreCase("resourcegroups") && s.get(6).equalsIgnoreCase("disks");
    }

    ArmResponse list(ArmRequest request) {
        if (!request.method().equals("GET")) {
            return ComputeRoutes.notImplemented(request);
        }
        ObjectNode body = ArmJson.JSON.createObjectNode();
        ArrayNode value = body.putArray("value");
        for (InstanceSnapshot vm : cloud.osDisks(resourceGroup)) {
            value.add(disk(vm));
        }
        return ArmResponse.of(200, body);
    }

    private ObjectNode disk(InstanceSnapshot vm) {
        ObjectNode disk = ArmJson.JSON.createObjectNode();
        // Azure's own naming of a VM's OS disk: {vm}_OsDisk_1_{32 hex}; the hex here is the vmId's.
        String name = vm.name() + "_OsDisk_1_" + vm.vmId().replace("-", "").toLowerCase(Locale.ROOT);
        String vmResource = json.vmId(vm.name());
        disk.put("name", name);
        disk.put("id", vmResource.substring(0, vmResource.indexOf("/virtualMachines/")) + "/disks/" + name);
        disk.put("type", "Microsoft.Compute/disks");
        disk.put("location", vm.location());
        disk.put("managedBy", vmResource);
        disk.putObject("sku").put("name", "Premium_LRS").put("tier", "Premium");
        if (!vm.zone().isEmpty()) {
            disk.putArray("zones").add(vm.zone());
        }
        ObjectNode p = disk.putObject("properties");
        p.put("osType", "Linux");
        p.put("hyperVGeneration", "V2");
        ObjectNode creation = p.putObject("creationData");
        creation.put("createOption", "FromImage");
        ImageReference image = vm.image();
        if (image.fromGallery()) {
            String definition = image.id().replaceFirst("(?i)/versions/[^/]+/?$", "");
            creation.putObject("galleryImageReference").put("id", definition + "/versions/" + vm.exactVersion());
        } else {
            // The platform image version's id, as VirtualMachineImages_Get spells it.
            creation.putObject("imageReference").put("id", "/Subscriptions/" + cloud.settings().subscriptionId()
                    + "/Providers/Microsoft.Compute/Locations/" + vm.location() + "/Publishers/" + image.publisher()
                    + "/ArtifactTypes/VMImage/Offers/" + image.offer() + "/Skus/" + image.sku() + "/Versions/"
                    + vm.exactVersion());
        }
        p.put("diskSizeGB", 30);
        p.put("timeCreated", ArmJson.time(vm.timeCreated()));
        p.put("provisioningState", "Succeeded");
        p.put("diskState", "Attached");
        p.put("uniqueId", vm.vmId());
        return disk;
    }
}
