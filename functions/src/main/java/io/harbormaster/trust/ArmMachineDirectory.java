package io.harbormaster.trust;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.util.Context;
import com.azure.resourcemanager.compute.fluent.VirtualMachinesClient;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.scaleset.ScaleSetInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The {@link MachineDirectory} backed by Azure Resource Manager: the agents are the scale set's instances (each with
 * its vmId), the managers the VMs named in {@code HARBORMASTER_MANAGER_VM_NAMES}, read one GET each.
 */
public final class ArmMachineDirectory implements MachineDirectory {
    private static final Logger LOG = Logger.getLogger(ArmMachineDirectory.class.getName());

    private final ScaleSet scaleSet;
    private final VirtualMachinesClient virtualMachines;
    private final String resourceGroup;
    private final List<String> managerVmNames;

    public ArmMachineDirectory(ScaleSet scaleSet, VirtualMachinesClient virtualMachines, String resourceGroup,
            List<String> managerVmNames) {
        this.scaleSet = scaleSet;
        this.virtualMachines = virtualMachines;
        this.resourceGroup = resourceGroup;
        this.managerVmNames = List.copyOf(managerVmNames);
    }

    @Override
    public List<Machine> machines() {
        List<Machine> machines = new ArrayList<>();
        for (ScaleSetInstance instance : scaleSet.instances()) {
            if (instance.vmId() != null) {
                machines.add(new Machine(Machine.Kind.AGENT, instance.vmId(), instance.computerName() == null
                        ? instance.instanceId() : instance.computerName(), instance.computerName(), instance.instanceId()));
            }
        }
        for (String name : managerVmNames) {
            VirtualMachineInner vm;
            try {
                vm = virtualMachines.getByResourceGroupWithResponse(resourceGroup, name, null, Context.NONE).getValue();
            } catch (HttpResponseException e) {
                if (e.getResponse() != null && e.getResponse().getStatusCode() == 404) {
                    LOG.warning("manager VM " + name + " (setting HARBORMASTER_MANAGER_VM_NAMES) does not exist in "
                            + resourceGroup + "; it cannot attest");
                    continue;
                }
                throw e;
            }
            if (vm != null && vm.vmId() != null) {
                String computerName = vm.osProfile() != null ? vm.osProfile().computerName() : null;
                machines.add(new Machine(Machine.Kind.MANAGER, vm.vmId(), name, computerName, null));
            }
        }
        return machines;
    }
}
