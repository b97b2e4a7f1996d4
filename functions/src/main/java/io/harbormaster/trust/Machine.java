package io.harbormaster.trust;

import java.util.Objects;

/**
 * A VM of this cluster that may prove who it is: an agent (an instance of our scale set) or a manager VM.
 * {@code computerName} is the hostname its swarm node carries; {@code instanceId} is the scale set's, null for managers.
 */
public record Machine(Kind kind, String vmId, String name, String computerName, String instanceId) {
    /** What the machine is, and so what it may do. */
    public enum Kind { AGENT, MANAGER }

    public Machine {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(vmId, "vmId");
        Objects.requireNonNull(name, "name");
    }

    /** For audit lines: never secret. */
    public String describe() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + name + " (vmId " + vmId + ")";
    }
}
