package io.harbormaster.emulator.cloud;

import io.harbormaster.emulator.nodes.InstanceMachines;
import io.harbormaster.emulator.nodes.MachineSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Platform maintenance on request (a knob): a Reboot, Redeploy or Freeze event, then, after approval or NotBefore,
 * what it does to the machine (Learn: scheduled-events.md, event types).
 */
final class Maintenance {
    static final List<String> TYPES = List.of("Reboot", "Redeploy", "Freeze");

    private final InstanceMachines machines;
    private final ScheduledEventBook events;
    private final OperationRunner runner;

    Maintenance(InstanceMachines machines, ScheduledEventBook events, OperationRunner runner) {
        this.machines = machines;
        this.events = events;
        this.runner = runner;
    }

    /**
     * @param currentSpec the instance's machine spec when the event starts, read under the cloud's lock; null for a
     *     standalone VM, whose machine the emulator does not power
     */
    CompletableFuture<Void> schedule(String vmName, String eventType, Duration notice, Supplier<MachineSpec> currentSpec) {
        ScheduledEventBook.Pending pending = events.schedule(eventType, List.of(vmName), notice, "", "Platform");
        CompletableFuture<Void> done = new CompletableFuture<>();
        runner.execute(() -> {
            RuntimeException failure = null;
            try {
                // A cancelled event never starts: the machine keeps running.
                MachineSpec spec = events.awaitStart(pending) ? currentSpec.get() : null;
                // A Reboot or Redeploy restarts the machine (a Redeploy's move to another host looks the same here);
                // a Freeze pauses the VM for seconds, which the emulator does not model.
                if (spec != null && !eventType.equals("Freeze") && machines.running(vmName)) {
                    machines.shutdown(vmName);
                    machines.boot(spec);
                }
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                events.finish(pending);
            }
            // Only now: whoever waits for it sees the event gone.
            if (failure == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(failure);
            }
        });
        return done;
    }
}
