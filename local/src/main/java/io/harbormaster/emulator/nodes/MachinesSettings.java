package io.harbormaster.emulator.nodes;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where and how {@link DockerdMachines} runs its nodes.
 *
 * @param stateRoot    one folder per machine (its disk); not under /run or /etc/docker, which nodes replace
 * @param scripts      scripts/lib of the checkout: node-init.sh (a node's PID 1) and services.sh (the test image)
 * @param bridge       the bridge every node is plugged into ({@code hm-br0}), with {@code bridgeAddress} on it
 * @param leases       machine-wide address leases, shared by every checkout's nodes ({@code /run/harbormaster-nodes})
 * @param startTimeout for a node's dockerd to answer
 * @param stopTimeout  between SIGTERM and SIGKILL of a node's dockerd on shutdown
 */
public record MachinesSettings(Path stateRoot, Path scripts, String bridge, String bridgeAddress, Path leases,
                               Duration startTimeout, Duration stopTimeout) {
    public MachinesSettings {
        String root = stateRoot.toAbsolutePath().normalize() + "/";
        if (root.startsWith("/run/") || root.startsWith("/var/run/") || root.startsWith("/etc/docker/")) {
            throw new IllegalArgumentException("the machines' state root must not be under /run or /etc/docker: " + root);
        }
        stateRoot = stateRoot.toAbsolutePath().normalize();
        scripts = scripts.toAbsolutePath().normalize();
    }

    /** This checkout's defaults: {@code .dev/emulator/machines}, hm-br0 10.213.77.1, 30 s to start, 15 s to stop. */
    public static MachinesSettings forCheckout(Path checkout) {
        return new MachinesSettings(checkout.resolve(".dev/emulator/machines"), checkout.resolve("scripts/lib"), "hm-br0",
                "10.213.77.1", Path.of("/run/harbormaster-nodes"),
                Duration.ofSeconds(30), Duration.ofSeconds(15));
    }

    /** The first three octets of the bridge's /24. */
    String subnetPrefix() {
        return bridgeAddress.substring(0, bridgeAddress.lastIndexOf('.'));
    }
}
