package io.harbormaster.scaleset;

import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetVMInner;
import com.azure.resourcemanager.compute.models.InstanceViewStatus;
import io.harbormaster.scaleset.ScaleSetInstance.PowerState;
import java.util.List;
import java.util.Locale;

/** How ARM's VM bodies and instance views read as {@link ScaleSetInstance}s, for both orchestration modes. */
final class InstanceViews {
    private static final String POWER_STATE_PREFIX = "PowerState/";

    private InstanceViews() {
    }

    static ScaleSetInstance instance(VirtualMachineScaleSetVMInner vm) {
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
                vm.protectionPolicy() != null && Boolean.TRUE.equals(vm.protectionPolicy().protectFromScaleIn()),
                vm.vmId(),
                // ARM leaves the property out where no model applies (absent means nothing to upgrade).
                !Boolean.FALSE.equals(vm.latestModelApplied()),
                imageVersion(vm),
                // A zonal scale set's VM lists the one zone it is in.
                vm.zones() == null || vm.zones().isEmpty() ? null : vm.zones().get(0));
    }

    /** The image version the VM runs: exactVersion, which differs from version only where the model says latest. */
    private static String imageVersion(VirtualMachineScaleSetVMInner vm) {
        if (vm.storageProfile() == null || vm.storageProfile().imageReference() == null) {
            return null;
        }
        var image = vm.storageProfile().imageReference();
        return image.exactVersion() != null ? image.exactVersion() : image.version();
    }

    static PowerState powerState(VirtualMachineScaleSetVMInner vm) {
        return powerState(vm.instanceView() == null ? null : vm.instanceView().statuses());
    }

    /** The power state among an instance view's statuses (either mode's), UNKNOWN without one. */
    static PowerState powerState(List<InstanceViewStatus> statuses) {
        if (statuses == null) {
            return PowerState.UNKNOWN;
        }
        for (InstanceViewStatus status : statuses) {
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
}
