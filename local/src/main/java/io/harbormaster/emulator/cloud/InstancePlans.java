package io.harbormaster.emulator.cloud;

import io.harbormaster.emulator.nodes.InstanceMachines;
import io.harbormaster.emulator.nodes.MachineSpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What each operation does to instances and their machines. States follow Learn "Virtual machine states and billing":
 * a start or stop is provisioning state Updating with the transitional power state, then Succeeded with the final one.
 */
final class InstancePlans {
    private final Object lock;
    private final Clock clock;
    private final InstanceMachines machines;
    private final ScheduledEventBook events;

    InstancePlans(Object lock, Clock clock, InstanceMachines machines, ScheduledEventBook events) {
        this.lock = lock;
        this.clock = clock;
        this.machines = machines;
        this.events = events;
    }

    /** Raise the capacity: new instances from the current model boot. */
    OperationRunner.Plan scaleOut(ScaleSetState scaleSet, long capacity) {
        return new Finishing(scaleSet) {
            @Override
            public List<Instance> accept() {
                List<Instance> created = new ArrayList<>();
                while (scaleSet.instances.size() < capacity) {
                    created.add(scaleSet.newInstance(clock.instant()));
                }
                scaleSet.capacity = capacity;
                return created;
            }

            @Override
            public void onInstance(Instance instance) {
                boot(instance);
            }
        };
    }

    /** A model change without capacity change: nothing happens to instances (upgradePolicy Manual). */
    OperationRunner.Plan modelOnly(ScaleSetState scaleSet) {
        return new Finishing(scaleSet) {
            @Override
            public List<Instance> accept() {
                return List.of();
            }

            @Override
            public void onInstance(Instance instance) {
            }
        };
    }

    /**
     * Delete instances: with terminate notification on, a Terminate event first, until approved or NotBefore; then the
     * machines go, the instances leave the scale set and the capacity drops with them.
     */
    OperationRunner.Plan delete(ScaleSetState scaleSet, List<Instance> victims, Long targetCapacity) {
        return new Finishing(scaleSet) {
            private ScheduledEventBook.Pending terminate;

            @Override
            public List<Instance> accept() {
                capacityBefore = scaleSet.capacity;
                if (targetCapacity != null) {
                    scaleSet.capacity = targetCapacity;
                }
                victims.forEach(instance -> {
                    instance.deleting = true;
                    instance.provisioningState = "Deleting";
                });
                TerminateNotification notification = scaleSet.terminateNotification;
                if (notification.enable() && !victims.isEmpty()) {
                    terminate = events.schedule("Terminate", victims.stream().map(i -> i.name).toList(),
                            notification.notBeforeTimeout(), "", "Platform");
                }
                return victims;
            }

            private long capacityBefore;

            @Override
            public boolean prepare() {
                return terminate == null || events.awaitStart(terminate);
            }

            /** The Terminate was cancelled: the instances stay, as before the request. */
            @Override
            public void revert() {
                victims.forEach(instance -> {
                    instance.deleting = false;
                    instance.provisioningState = "Succeeded";
                });
                if (targetCapacity != null) {
                    // A deleteInstances lowers the capacity only when done; a lower PATCH lowered it at once.
                    scaleSet.capacity = capacityBefore;
                }
                super.revert();
            }

            @Override
            public void onInstance(Instance instance) {
                machines.destroy(instance.name);
            }

            @Override
            public void complete() {
                victims.forEach(instance -> scaleSet.instances.remove(instance.id));
                if (targetCapacity == null) {
                    scaleSet.capacity = Math.max(0, scaleSet.capacity - victims.size());
                }
                scaleSet.etag++;
                if (terminate != null) {
                    events.finish(terminate);
                }
                super.complete();
            }
        };
    }

    OperationRunner.Plan deallocate(List<Instance> targets) {
        return simple(targets, "deallocating", instance -> {
            if (machines.running(instance.name)) {
                machines.shutdown(instance.name);
            }
            settle(instance, "deallocated");
        });
    }

    OperationRunner.Plan powerOff(List<Instance> targets, boolean skipShutdown) {
        return simple(targets, "stopping", instance -> {
            if (skipShutdown) {
                machines.kill(instance.name);
            } else if (machines.running(instance.name)) {
                machines.shutdown(instance.name);
            }
            settle(instance, "stopped");
        });
    }

    OperationRunner.Plan start(List<Instance> targets) {
        return simple(targets, "starting", instance -> {
            if (!machines.running(instance.name)) {
                machines.boot(spec(instance));
            }
            settle(instance, "running");
        });
    }

    OperationRunner.Plan restart(List<Instance> targets) {
        return simple(targets, "stopping", this::restart);
    }

    /** Reimage: a fresh disk from the current model, as the brief asks (Learn says the OS disk is replaced). */
    OperationRunner.Plan reimage(ScaleSetState scaleSet, List<Instance> targets) {
        return simple(targets, "starting", instance -> {
            machines.destroy(instance.name);
            synchronized (lock) {
                scaleSet.applyModel(instance);
            }
            machines.boot(spec(instance));
            settle(instance, "running");
        });
    }

    /**
     * Manual upgrade: apply the current model. New custom data or a new image means a new OS disk, so the machine is
     * destroyed and boots fresh; a SKU change alone is a resize, which restarts it.
     */
    OperationRunner.Plan upgrade(ScaleSetState scaleSet, List<Instance> targets) {
        return simple(targets, null, instance -> {
            String customData;
            boolean newDisk;
            synchronized (lock) {
                if (instance.modelVersion == scaleSet.modelVersion) {
                    return;
                }
                customData = scaleSet.decodedCustomData();
                newDisk = !customData.equals(instance.customData) || !Objects.equals(scaleSet.image, instance.image);
                scaleSet.applyModel(instance);
            }
            if (newDisk) {
                machines.destroy(instance.name);
                machines.boot(spec(instance));
                settle(instance, "running");
            } else if (machines.running(instance.name)) {
                restart(instance);
            }
        });
    }

    OperationRunner.Plan protect(Instance target, ProtectionPolicy policy) {
        return simple(List.of(target), null, instance -> {
            synchronized (lock) {
                instance.protection = policy;
                instance.provisioningState = "Succeeded";
            }
        });
    }

    private void restart(Instance instance) {
        if (machines.running(instance.name)) {
            machines.shutdown(instance.name);
        }
        synchronized (lock) {
            instance.powerState = "starting";
        }
        machines.boot(spec(instance));
        settle(instance, "running");
    }

    private void boot(Instance instance) {
        machines.boot(spec(instance));
        settle(instance, "running");
    }

    private void settle(Instance instance, String powerState) {
        synchronized (lock) {
            instance.powerState = powerState;
            instance.provisioningState = "Succeeded";
        }
    }

    static MachineSpec spec(Instance instance) {
        return new MachineSpec(instance.name, instance.computerName, instance.customData);
    }

    private interface Step {
        void run(Instance instance);
    }

    /** Provisioning state Updating and a transitional power state while the step runs. */
    private OperationRunner.Plan simple(List<Instance> targets, String transitionalPower, Step step) {
        return new OperationRunner.Plan() {
            @Override
            public List<Instance> accept() {
                targets.forEach(instance -> {
                    instance.provisioningState = "Updating";
                    if (transitionalPower != null) {
                        instance.powerState = transitionalPower;
                    }
                });
                return targets;
            }

            @Override
            public void onInstance(Instance instance) {
                step.run(instance);
                synchronized (lock) {
                    if (instance.provisioningState.equals("Updating")) {
                        instance.provisioningState = "Succeeded";
                    }
                }
            }
        };
    }

    /** A scale-set operation: the scale set reads Updating until it ends, then Succeeded, failed or not. */
    private abstract static class Finishing implements OperationRunner.Plan {
        private final ScaleSetState scaleSet;

        Finishing(ScaleSetState scaleSet) {
            this.scaleSet = scaleSet;
        }

        @Override
        public void complete() {
            scaleSet.provisioningState = "Succeeded";
        }

        @Override
        public void revert() {
            scaleSet.provisioningState = "Succeeded";
        }
    }
}
