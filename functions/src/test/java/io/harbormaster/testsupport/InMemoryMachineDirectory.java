package io.harbormaster.testsupport;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.trust.Machine;
import io.harbormaster.trust.MachineDirectory;
import java.util.ArrayList;
import java.util.List;

/** The cluster's machines as ARM would list them: an {@link InMemoryScaleSet}'s instances and named manager VMs. */
public final class InMemoryMachineDirectory implements MachineDirectory {
    private final InMemoryScaleSet scaleSet;
    private final List<Machine> managers = new ArrayList<>();
    private int listings;

    public InMemoryMachineDirectory(InMemoryScaleSet scaleSet) {
        this.scaleSet = scaleSet;
    }

    public synchronized Machine addManager(String name, String vmId) {
        Machine manager = new Machine(Machine.Kind.MANAGER, vmId, name, name, null);
        managers.add(manager);
        return manager;
    }

    /** How often the machines were listed: each listing is ARM calls in production. */
    public synchronized int listings() {
        return listings;
    }

    @Override
    public synchronized List<Machine> machines() {
        listings++;
        List<Machine> machines = new ArrayList<>();
        for (ScaleSetInstance instance : scaleSet.instances()) {
            machines.add(new Machine(Machine.Kind.AGENT, instance.vmId(), instance.computerName(), instance.computerName(),
                    instance.instanceId()));
        }
        machines.addAll(managers);
        return machines;
    }
}
