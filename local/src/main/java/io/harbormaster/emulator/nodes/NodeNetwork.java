package io.harbormaster.emulator.nodes;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A machine's network: an address leased on the bridge's /24, a network namespace and a veth into the bridge, with
 * no default route and no IPv6, so nothing leaves the bridge's subnet. It lasts from the first boot to destroy.
 *
 * <p>Leases are machine-wide files (one per address, naming the folder that holds it, under an flock lock), not per
 * checkout: every checkout on this machine plugs its nodes into the same bridge, and older checkouts' worker-nodes.sh
 * keeps the same files under the same lock.
 */
final class NodeNetwork {
    private static final int FIRST_HOST = 10;
    private static final int LAST_HOST = 254;

    private final MachinesSettings settings;

    NodeNetwork(MachinesSettings settings) {
        this.settings = settings;
    }

    /** The machine's address, leasing one and plugging its namespace in if it has none yet. */
    String ensure(MachineDisk disk) {
        HostCommand.run("ip", "-4", "-o", "addr", "show", "dev", settings.bridge()).orThrow().output().lines()
                .filter(line -> line.contains(" inet " + settings.bridgeAddress() + "/24 ")).findFirst()
                .orElseThrow(() -> new IllegalStateException("bridge " + settings.bridge() + " with "
                        + settings.bridgeAddress() + "/24 is missing: start the services (scripts/lib/services.sh up)"));
        Optional<String> ip = disk.value("ip").filter(address -> leaseHolder(address).equals(Optional.of(disk.dir().toString())));
        String address = ip.orElseGet(() -> lease(disk));
        String netns = "hmvm-" + hostPart(address);
        if (disk.value("netns").equals(Optional.of(netns)) && Files.exists(Path.of("/run/netns", netns))) {
            return address;
        }
        plug(disk, address, netns);
        return address;
    }

    private void plug(MachineDisk disk, String address, String netns) {
        String veth = "hmv" + hostPart(address);
        // The address is ours, so a namespace or veth of these names is a leftover of an earlier holder.
        if (Files.exists(Path.of("/run/netns", netns))) {
            HostCommand.run("ip", "netns", "del", netns);
        }
        if (HostCommand.run("ip", "link", "show", veth).ok()) {
            HostCommand.run("ip", "link", "del", veth);
        }
        HostCommand.run("ip", "netns", "add", netns).orThrow();
        disk.writeText("netns", netns + "\n");
        HostCommand.run("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns).orThrow();
        disk.writeText("veth", veth + "\n");
        try {
            Files.writeString(Path.of("/proc/sys/net/ipv6/conf", veth, "disable_ipv6"), "1\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot turn IPv6 off on " + veth, e);
        }
        HostCommand.run("ip", "link", "set", veth, "master", settings.bridge()).orThrow();
        HostCommand.run("ip", "link", "set", veth, "up").orThrow();
        String inside = "--net=/run/netns/" + netns;
        // /proc/sys/net belongs to the network namespace of whoever opens it.
        HostCommand.run("nsenter", inside, "sh", "-c",
                "for f in all default eth0; do echo 1 >/proc/sys/net/ipv6/conf/$f/disable_ipv6; done").orThrow();
        HostCommand.run("nsenter", inside, "ip", "link", "set", "lo", "up").orThrow();
        HostCommand.run("nsenter", inside, "ip", "addr", "add", address + "/24", "dev", "eth0").orThrow();
        HostCommand.run("nsenter", inside, "ip", "link", "set", "eth0", "up").orThrow();
    }

    /** Removes the namespace (its veth goes with it) and gives the address back. */
    void remove(MachineDisk disk) {
        disk.value("netns").filter(netns -> Files.exists(Path.of("/run/netns", netns)))
                .ifPresent(netns -> HostCommand.run("ip", "netns", "del", netns));
        disk.value("veth").ifPresent(veth -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (HostCommand.run("ip", "link", "show", veth).ok() && System.nanoTime() < deadline) {
                pause(50);
            }
            if (HostCommand.run("ip", "link", "show", veth).ok()) {
                HostCommand.run("ip", "link", "del", veth);
            }
        });
        disk.value("ip").ifPresent(address -> withLock(() -> {
            if (leaseHolder(address).equals(Optional.of(disk.dir().toString()))) {
                Files.deleteIfExists(settings.leases().resolve(address));
            }
            return null;
        }));
    }

    private String lease(MachineDisk disk) {
        return withLock(() -> {
            for (int host = FIRST_HOST; host <= LAST_HOST; host++) {
                String address = settings.subnetPrefix() + "." + host;
                if (live(address)) {
                    continue;
                }
                Files.writeString(settings.leases().resolve(address), disk.dir() + "\n");
                disk.writeText("ip", address + "\n");
                return address;
            }
            throw new IllegalStateException("no free address in " + settings.subnetPrefix() + "." + FIRST_HOST + "-"
                    + LAST_HOST + " (leases in " + settings.leases() + ")");
        });
    }

    /** A lease is live while the folder it names still holds that address (a folder deleted without a clean stop frees its address). */
    private boolean live(String address) throws IOException {
        Optional<String> holder = leaseHolder(address);
        if (holder.isEmpty()) {
            return false;
        }
        Path ipFile = Path.of(holder.get(), "ip");
        return Files.isRegularFile(ipFile) && Files.readString(ipFile).strip().equals(address);
    }

    private Optional<String> leaseHolder(String address) {
        Path lease = settings.leases().resolve(address);
        try {
            return Files.isRegularFile(lease) ? Optional.of(Files.readString(lease).strip()) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Locked<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code action} holding the leases' flock(2) lock, which every checkout's nodes take. Java's FileLock is an
     * fcntl lock, which flock does not see, so the lock is held by an flock process until its stdin closes.
     */
    private <T> T withLock(Locked<T> action) {
        try {
            Files.createDirectories(settings.leases());
            Process holder = new ProcessBuilder("flock", "-w", "60", settings.leases().resolve("lock").toString(),
                    "sh", "-c", "echo locked; read _").redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
                if (!"locked".equals(out.readLine())) {
                    throw new IllegalStateException("could not take " + settings.leases().resolve("lock") + " within 60 s");
                }
                return action.run();
            } finally {
                holder.getOutputStream().close();
                if (!holder.waitFor(10, TimeUnit.SECONDS)) {
                    holder.destroyForcibly();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("address lease", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while leasing an address", e);
        }
    }

    private static String hostPart(String address) {
        return address.substring(address.lastIndexOf('.') + 1);
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
