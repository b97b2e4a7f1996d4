package io.harbormaster.emulator.cloud;

import io.harbormaster.emulator.imds.VmMetadata;
import java.util.Map;

/** How IMDS describes a VM of the emulated cloud (Learn: "Azure Instance Metadata Service", compute fields). */
record ImdsView(CloudSettings settings) {
    /** An instance of {@code scaleSet}, which is in {@code resourceGroup}. */
    VmMetadata of(ScaleSetState scaleSet, String resourceGroup, Instance instance) {
        // A Flexible scale set's VM is a standard VM (Learn "Orchestration modes"): its own resource id, in its group.
        String group = "/subscriptions/" + settings.subscriptionId() + "/resourceGroups/" + resourceGroup;
        String resourceId = instance.flexible ? group + "/providers/Microsoft.Compute/virtualMachines/" + instance.name
                : group + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + scaleSet.name + "/virtualMachines/" + instance.id;
        return new VmMetadata(instance.name, instance.computerName, instance.vmId, settings.subscriptionId(),
                resourceGroup, scaleSet.location, scaleSet.name, resourceId, instance.skuName, instance.zone,
                scaleSet.priority, scaleSet.evictionPolicy == null ? "" : scaleSet.evictionPolicy, Map.of());
    }

    VmMetadata of(StandaloneVm vm) {
        String resourceId = "/subscriptions/" + settings.subscriptionId() + "/resourceGroups/" + settings.resourceGroup()
                + "/providers/Microsoft.Compute/virtualMachines/" + vm.name();
        return new VmMetadata(vm.name(), vm.computerName(), vm.vmId(), settings.subscriptionId(),
                settings.resourceGroup(), vm.location(), "", resourceId, vm.vmSize(), vm.zone(), "Regular", "", Map.of());
    }
}
