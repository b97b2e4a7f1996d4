package io.harbormaster.emulator.cloud;

import java.net.InetAddress;
import java.util.Objects;

/** A standalone VM (a swarm manager): read-only in ARM, known to IMDS by its address. */
public record StandaloneVm(
        String name, String vmId, String computerName, InetAddress address, String location, String vmSize, String zone) {
    public StandaloneVm {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(vmId, "vmId");
        Objects.requireNonNull(computerName, "computerName");
        Objects.requireNonNull(location, "location");
        zone = zone == null ? "" : zone;
    }
}
