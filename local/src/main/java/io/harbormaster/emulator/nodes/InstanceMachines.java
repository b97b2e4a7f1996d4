package io.harbormaster.emulator.nodes;

import java.net.InetAddress;
import java.util.Optional;

/**
 * The machines behind emulated VMs: what a VM's power operations do to a real node. Locally each machine is a
 * dockerd node in its own namespaces; tests of the ARM surface use an in-memory fake.
 */
public interface InstanceMachines {
    /**
     * Powers the machine on. A machine without a disk gets a fresh one and runs its cloud-config once, as cloud-init
     * does on a first boot; every boot then starts the units that the cloud-config enabled. Returns once the machine
     * is up and its boot units are started: joining the swarm is the machine's own business.
     */
    void boot(MachineSpec spec);

    /** An orderly shutdown: the units' stop commands run (drain on shutdown), then the machine stops; its disk stays. */
    void shutdown(String name);

    /** Power cut: the machine stops at once; its disk stays. */
    void kill(String name);

    /** The machine stops at once and its disk is deleted. A machine that is not there is not an error. */
    void destroy(String name);

    /** The machine's address on the cluster network while it exists, by which IMDS knows its caller. */
    Optional<InetAddress> address(String name);

    /** Whether the machine is powered on. */
    boolean running(String name);
}
