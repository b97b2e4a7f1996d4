package io.harbormaster.trust;

import java.util.List;

/** The port that lists the cluster's machines as ARM knows them: the scale set's instances and the manager VMs. */
public interface MachineDirectory {
    /** Every agent instance and manager VM with a vmId; a manager VM that does not exist is left out. */
    List<Machine> machines();
}
