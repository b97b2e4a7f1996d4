package io.harbormaster.emulator.nodes;

import java.net.InetAddress;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * A knob on the machines: the next boot of a named VM hangs, as an OS that never comes up after a reimage or an
 * upgrade. Azure still reports the VM running (its operation succeeded); the machine stays off, so its node never
 * joins. The hold is used up by that one boot: restarting the VM afterwards boots it (the operator's fix).
 */
public final class HangingBoots implements InstanceMachines {
    private static final Logger LOG = Logger.getLogger(HangingBoots.class.getName());

    private final InstanceMachines machines;
    private final Set<String> held = ConcurrentHashMap.newKeySet();

    public HangingBoots(InstanceMachines machines) {
        this.machines = machines;
    }

    /** The next boot of VM {@code name} ({@code {scaleSet}_{id}}) hangs. */
    public void holdNextBoot(String name) {
        held.add(name);
    }

    @Override
    public void boot(MachineSpec spec) {
        if (held.remove(spec.name())) {
            LOG.info(() -> "machine " + spec.name() + ": this boot hangs (held by the emulator's controls); a restart boots it");
            return;
        }
        machines.boot(spec);
    }

    @Override
    public void shutdown(String name) {
        machines.shutdown(name);
    }

    @Override
    public void kill(String name) {
        machines.kill(name);
    }

    @Override
    public void destroy(String name) {
        machines.destroy(name);
    }

    @Override
    public Optional<InetAddress> address(String name) {
        return machines.address(name);
    }

    @Override
    public boolean running(String name) {
        return machines.running(name);
    }
}
