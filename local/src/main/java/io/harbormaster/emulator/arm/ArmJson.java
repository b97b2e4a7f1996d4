package io.harbormaster.emulator.arm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.harbormaster.emulator.cloud.ImageReference;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.emulator.cloud.OperationStatus;
import io.harbormaster.emulator.cloud.ScaleSetSnapshot;
import io.harbormaster.emulator.cloud.StandaloneVm;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The REST shapes of api-version 2025-04-01 (azure-rest-api-specs, ComputeRP/stable/2025-04-01,
 * virtualMachineScaleSet.json and its examples): scale set, scale-set VM, instance view, operation status.
 */
final class ArmJson {
    static final ObjectMapper JSON = new ObjectMapper();
    // ARM writes times with seven fractional digits and an explicit offset (examples: "2021-06-27T01:02:38.3138469+00:00").
    private static final DateTimeFormatter ARM_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSxxx", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final String subscriptionId;
    private final String resourceGroup;

    ArmJson(String subscriptionId, String resourceGroup) {
        this.subscriptionId = subscriptionId;
        this.resourceGroup = resourceGroup;
    }

    /** The resource group whose ids this writes. */
    String resourceGroup() {
        return resourceGroup;
    }

    static String time(Instant instant) {
        return ARM_TIME.format(instant);
    }

    String scaleSetId(String name) {
        return "/subscriptions/" + subscriptionId + "/resourceGroups/" + resourceGroup
                + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + name;
    }

    /** GET/PATCH body; customData is left out, as ARM does not return it. */
    ObjectNode scaleSet(ScaleSetSnapshot s, String provisioningState) {
        ObjectNode root = JSON.createObjectNode();
        root.put("name", s.name());
        root.put("id", scaleSetId(s.name()));
        root.put("type", "Microsoft.Compute/virtualMachineScaleSets");
        root.put("location", s.location());
        root.putObject("tags");
        ObjectNode sku = root.putObject("sku");
        sku.put("name", s.skuName());
        sku.put("tier", "Standard");
        sku.put("capacity", s.capacity());
        root.put("etag", s.etag());
        if (!s.zones().isEmpty()) {
            ArrayNode zones = root.putArray("zones");
            s.zones().forEach(zones::add);
        }
        ObjectNode p = root.putObject("properties");
        p.put("singlePlacementGroup", false);
        p.put("orchestrationMode", s.orchestrationMode());
        p.putObject("upgradePolicy").put("mode", "Manual");
        p.putObject("scaleInPolicy").putArray("rules").add("Default");
        ObjectNode profile = p.putObject("virtualMachineProfile");
        ObjectNode os = profile.putObject("osProfile");
        os.put("computerNamePrefix", s.computerNamePrefix());
        os.put("adminUsername", "azureuser");
        os.putObject("linuxConfiguration").put("disablePasswordAuthentication", true);
        ObjectNode storage = profile.putObject("storageProfile");
        image(storage.putObject("imageReference"), s.imageReference());
        ObjectNode osDisk = storage.putObject("osDisk");
        osDisk.put("createOption", "FromImage");
        osDisk.put("caching", "ReadWrite");
        osDisk.putObject("managedDisk").put("storageAccountType", "Premium_LRS");
        storage.putArray("dataDisks");
        profile.put("priority", s.priority());
        if (s.evictionPolicy() != null) {
            profile.put("evictionPolicy", s.evictionPolicy());
            profile.putObject("billingProfile").put("maxPrice", -1);
        }
        if (s.terminateNotification().enable()) {
            ObjectNode terminate = profile.putObject("scheduledEventsProfile").putObject("terminateNotificationProfile");
            terminate.put("enable", true);
            terminate.put("notBeforeTimeout", s.terminateNotification().notBeforeTimeout().toString());
        }
        profile.put("timeCreated", time(s.timeCreated()));
        p.put("provisioningState", provisioningState);
        if (!s.flexible()) {
            // Flexible scale sets have no overprovisioning (Learn "Orchestration modes"; SPEC Flexible examples omit it).
            p.put("overprovision", false);
            p.put("doNotRunExtensionsOnOverprovisionedVMs", false);
        }
        p.put("platformFaultDomainCount", 1);
        p.put("uniqueId", s.uniqueId());
        p.put("timeCreated", time(s.timeCreated()));
        return root;
    }

    /** A scale-set VM; instanceId, sku and zones sit outside properties, as in the spec's list example. */
    ObjectNode instance(InstanceSnapshot i, boolean withInstanceView, String provisioningState) {
        ObjectNode root = JSON.createObjectNode();
        root.put("name", i.name());
        root.put("id", scaleSetId(i.scaleSetName()) + "/virtualMachines/" + i.instanceId());
        root.put("type", "Microsoft.Compute/virtualMachines");
        root.put("location", i.location());
        root.putObject("tags");
        root.put("instanceId", i.instanceId());
        ObjectNode sku = root.putObject("sku");
        sku.put("name", i.skuName());
        sku.put("tier", "Standard");
        if (!i.zone().isEmpty()) {
            root.putArray("zones").add(i.zone());
        }
        root.put("etag", "\"1\"");
        ObjectNode p = root.putObject("properties");
        p.put("latestModelApplied", i.latestModelApplied());
        p.put("modelDefinitionApplied", "VirtualMachineScaleSet");
        p.put("vmId", i.vmId());
        p.putObject("hardwareProfile").put("vmSize", i.skuName());
        ObjectNode storage = p.putObject("storageProfile");
        ObjectNode imageReference = storage.putObject("imageReference");
        image(imageReference, i.image());
        // Read-only: the version the disk was made from, which differs from version only under latest (SPEC
        // ImageReference), "of platform image or marketplace image": a gallery image's VM has none.
        if (!i.image().fromGallery()) {
            imageReference.put("exactVersion", i.exactVersion());
        }
        ObjectNode os = p.putObject("osProfile");
        os.put("computerName", i.computerName());
        os.put("adminUsername", "azureuser");
        os.putObject("linuxConfiguration").put("disablePasswordAuthentication", true);
        os.putArray("secrets");
        os.put("allowExtensionOperations", true);
        os.put("requireGuestProvisionSignal", true);
        p.put("provisioningState", provisioningState == null ? i.provisioningState() : provisioningState);
        // ARM leaves the protection policy out until someone has set it on the instance.
        if (i.protection() != null) {
            ObjectNode protection = p.putObject("protectionPolicy");
            protection.put("protectFromScaleIn", i.protection().protectFromScaleIn());
            protection.put("protectFromScaleSetActions", i.protection().protectFromScaleSetActions());
        }
        p.put("timeCreated", time(i.timeCreated()));
        if (withInstanceView) {
            p.set("instanceView", instanceView(i));
        }
        return root;
    }

    /** GET .../instanceView; the status pairs of Learn "Virtual machine states and billing". */
    ObjectNode instanceView(InstanceSnapshot i) {
        ObjectNode view = JSON.createObjectNode();
        view.put("platformUpdateDomain", 0);
        view.put("platformFaultDomain", 0);
        view.put("computerName", i.computerName());
        view.put("osName", "ubuntu");
        view.put("osVersion", "24.04");
        statuses(view.putArray("statuses"), i.provisioningState(), i.powerState(), i.timeCreated());
        return view;
    }

    String vmId(String name) {
        return "/subscriptions/" + subscriptionId + "/resourceGroups/" + resourceGroup
                + "/providers/Microsoft.Compute/virtualMachines/" + name;
    }

    /**
     * A Flexible scale set's VM as a standard VM (SPEC virtualMachine.json VirtualMachines_Get): its own id, sku-less,
     * with {@code virtualMachineScaleSet.id}; no {@code latestModelApplied} or {@code protectionPolicy}, which only
     * scale-set VMs carry. {@code exactVersion} is the version the disk was made from.
     */
    ObjectNode flexibleVm(InstanceSnapshot i, boolean withInstanceView) {
        ObjectNode root = JSON.createObjectNode();
        root.put("name", i.name());
        root.put("id", vmId(i.name()));
        root.put("type", "Microsoft.Compute/virtualMachines");
        root.put("location", i.location());
        if (!i.zone().isEmpty()) {
            root.putArray("zones").add(i.zone());
        }
        ObjectNode p = root.putObject("properties");
        p.put("vmId", i.vmId());
        p.putObject("hardwareProfile").put("vmSize", i.skuName());
        p.putObject("virtualMachineScaleSet").put("id", scaleSetId(i.scaleSetName()));
        ObjectNode imageReference = p.putObject("storageProfile").putObject("imageReference");
        image(imageReference, i.image());
        if (!i.image().fromGallery()) {
            imageReference.put("exactVersion", i.image().version());
        }
        ObjectNode os = p.putObject("osProfile");
        os.put("computerName", i.computerName());
        os.put("adminUsername", "azureuser");
        os.putObject("linuxConfiguration").put("disablePasswordAuthentication", true);
        p.put("provisioningState", i.provisioningState());
        p.put("timeCreated", time(i.timeCreated()));
        if (withInstanceView) {
            p.set("instanceView", instanceView(i));
        }
        return root;
    }

    ObjectNode standaloneVm(StandaloneVm vm) {
        ObjectNode root = JSON.createObjectNode();
        root.put("name", vm.name());
        root.put("id", "/subscriptions/" + subscriptionId + "/resourceGroups/" + resourceGroup
                + "/providers/Microsoft.Compute/virtualMachines/" + vm.name());
        root.put("type", "Microsoft.Compute/virtualMachines");
        root.put("location", vm.location());
        if (!vm.zone().isEmpty()) {
            root.putArray("zones").add(vm.zone());
        }
        ObjectNode p = root.putObject("properties");
        p.put("vmId", vm.vmId());
        p.putObject("hardwareProfile").put("vmSize", vm.vmSize());
        ObjectNode os = p.putObject("osProfile");
        os.put("computerName", vm.computerName());
        os.put("adminUsername", "azureuser");
        p.put("provisioningState", "Succeeded");
        return root;
    }

    /** Standalone managers have no machines the emulator powers: they always read as running. */
    ObjectNode standaloneInstanceView(StandaloneVm vm) {
        ObjectNode view = JSON.createObjectNode();
        view.put("computerName", vm.computerName());
        view.put("osName", "ubuntu");
        view.put("osVersion", "24.04");
        statuses(view.putArray("statuses"), "Succeeded", "running", null);
        return view;
    }

    /** The operation status document (Learn: "Track asynchronous Azure operations"). */
    static ObjectNode operation(OperationStatus status) {
        ObjectNode root = JSON.createObjectNode();
        root.put("startTime", time(status.startTime()));
        if (status.endTime() != null) {
            root.put("endTime", time(status.endTime()));
        }
        root.put("status", status.status());
        if (status.error() != null) {
            ObjectNode error = root.putObject("error");
            error.put("code", status.error().code());
            error.put("message", status.error().message());
        }
        root.put("name", status.name());
        return root;
    }

    private static void statuses(ArrayNode statuses, String provisioningState, String powerState, Instant since) {
        String lower = provisioningState.toLowerCase(Locale.ROOT);
        ObjectNode provisioning = statuses.addObject();
        provisioning.put("code", "ProvisioningState/" + lower);
        provisioning.put("level", "Info");
        provisioning.put("displayStatus", lower.equals("succeeded") ? "Provisioning succeeded" : provisioningState);
        if (since != null) {
            provisioning.put("time", time(since));
        }
        if (!lower.equals("deleting") && !lower.equals("failed")) {
            ObjectNode power = statuses.addObject();
            power.put("code", "PowerState/" + powerState);
            power.put("level", "Info");
            power.put("displayStatus", "VM " + powerState);
            power.putNull("time");
        }
    }

    private static void image(ObjectNode node, ImageReference image) {
        if (image.fromGallery()) {
            node.put("id", image.id());
            return;
        }
        node.put("publisher", image.publisher());
        node.put("offer", image.offer());
        node.put("sku", image.sku());
        node.put("version", image.version());
    }
}
