package io.harbormaster.emulator.cloud;

import io.harbormaster.emulator.nodes.InstanceMachines;

/**
 * A Spot eviction after its Preempt event (Learn: use-spot.md, spot-cli.md): the machine loses power at once, as a
 * Spot VM gets no orderly shutdown once the notice has run out; then Deallocate keeps the disk and the instance,
 * Delete removes both and lowers the capacity.
 */
final class Eviction {
    private final Object lock;
    private final InstanceMachines machines;
    private final ScheduledEventBook events;
    private final ScaleSetState scaleSet;
    private final Instance instance;
    private final ScheduledEventBook.Pending preempt;

    Eviction(Object lock, InstanceMachines machines, ScheduledEventBook events, ScaleSetState scaleSet, Instance instance,
            ScheduledEventBook.Pending preempt) {
        this.lock = lock;
        this.machines = machines;
        this.events = events;
        this.scaleSet = scaleSet;
        this.instance = instance;
        this.preempt = preempt;
    }

    void runOn(OperationRunner runner) {
        runner.execute(this::run);
    }

    private void run() {
        try {
            if (!events.awaitStart(preempt)) {
                // Cancelled: the instance keeps running.
                synchronized (lock) {
                    instance.busyWith = null;
                }
                return;
            }
            boolean delete = "Delete".equals(scaleSet.evictionPolicy);
            synchronized (lock) {
                instance.provisioningState = delete ? "Deleting" : "Updating";
                instance.powerState = delete ? instance.powerState : "deallocating";
                instance.deleting = delete;
            }
            if (delete) {
                machines.destroy(instance.name);
            } else {
                machines.kill(instance.name);
            }
            synchronized (lock) {
                instance.busyWith = null;
                if (delete) {
                    scaleSet.instances.remove(instance.id);
                    scaleSet.capacity = Math.max(0, scaleSet.capacity - 1);
                    scaleSet.etag++;
                } else {
                    instance.powerState = "deallocated";
                    instance.provisioningState = "Succeeded";
                }
            }
        } catch (RuntimeException e) {
            synchronized (lock) {
                instance.busyWith = null;
                instance.provisioningState = "Failed";
            }
        } finally {
            events.finish(preempt);
        }
    }
}
