package io.harbormaster.emulator;

import io.harbormaster.emulator.nodes.InstanceMachines;
import io.harbormaster.emulator.nodes.MachineSpec;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Machines that exist only as entries in maps, for tests of the emulated cloud: each call is recorded. */
public final class InMemoryMachines implements InstanceMachines {
    private final Map<String, MachineSpec> disks = new ConcurrentHashMap<>();
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final Map<String, InetAddress> addresses = new ConcurrentHashMap<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextAddress = new AtomicInteger(2);
    private volatile Duration callTime = Duration.ZERO;

    /** Each machine call takes this long, as a real one takes seconds. */
    public void callTime(Duration time) {
        callTime = time;
    }

    @Override
    public void boot(MachineSpec spec) {
        take("boot " + spec.name());
        disks.putIfAbsent(spec.name(), spec);
        running.add(spec.name());
        addresses.computeIfAbsent(spec.name(), name -> address(nextAddress.getAndIncrement()));
    }

    @Override
    public void shutdown(String name) {
        take("shutdown " + name);
        running.remove(name);
    }

    @Override
    public void kill(String name) {
        take("kill " + name);
        running.remove(name);
    }

    @Override
    public void destroy(String name) {
        take("destroy " + name);
        running.remove(name);
        disks.remove(name);
        addresses.remove(name);
    }

    @Override
    public Optional<InetAddress> address(String name) {
        return Optional.ofNullable(addresses.get(name));
    }

    @Override
    public boolean running(String name) {
        return running.contains(name);
    }

    /** The spec the machine's current disk was made from (its first boot after a destroy). */
    public Optional<MachineSpec> disk(String name) {
        return Optional.ofNullable(disks.get(name));
    }

    public boolean exists(String name) {
        return disks.containsKey(name);
    }

    public Set<String> runningNames() {
        return new HashSet<>(running);
    }

    /** "boot ss_0", "shutdown ss_1", ... in the order they began. */
    public List<String> calls() {
        return List.copyOf(calls);
    }

    public void clearCalls() {
        calls.clear();
    }

    private void take(String call) {
        calls.add(call);
        if (!callTime.isZero()) {
            try {
                Thread.sleep(callTime.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static InetAddress address(int n) {
        try {
            return InetAddress.getByAddress(new byte[] {10, 77, (byte) (n >> 8), (byte) n});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
