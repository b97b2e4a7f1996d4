package io.harbormaster.emulator.cloud;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs long-running operations: accepted under the cloud's lock, then the machine work on the executor (never on the
 * caller's thread, since a real machine takes seconds), the instances' machine calls in parallel on a bounded pool.
 */
final class OperationRunner {
    private static final Logger LOG = Logger.getLogger(OperationRunner.class.getName());

    /** What one operation does; the hooks marked "under lock" run holding the cloud's lock. */
    interface Plan {
        /** Under lock, when no failure is injected: set the visible states, return the instances to work on. */
        List<Instance> accept();

        /**
         * Off lock, before the machine work: e.g. wait for a Terminate event's approval. False: the event was
         * cancelled, so the operation ends Canceled after {@link #revert()} and no machine is touched.
         */
        default boolean prepare() {
            return true;
        }

        /** Off lock, once per instance, in parallel: the machine calls, then their state change (taking the lock). */
        void onInstance(Instance instance);

        /** Under lock, after every instance's work. */
        default void complete() {
        }

        /** Under lock, when a failure was injected or the event was cancelled: the operation changes nothing. */
        default void revert() {
        }
    }

    private final Object lock;
    private final Clock clock;
    private final Executor executor;
    private final Executor machinePool;
    private final OperationFaults faults;
    private final Map<String, CloudOperation> operations = new ConcurrentHashMap<>();

    OperationRunner(Object lock, Clock clock, Executor executor, Executor machinePool, OperationFaults faults) {
        this.lock = lock;
        this.clock = clock;
        this.executor = executor;
        this.machinePool = machinePool;
        this.faults = faults;
    }

    /** Call holding the lock: the plan's accept runs now, so validation and visible changes are atomic. */
    CloudOperation start(Plan plan) {
        CloudOperation operation = new CloudOperation(clock);
        operations.put(operation.id(), operation);
        Optional<CloudError> failure = faults.takeOperationFailure();
        Duration delay = faults.operationDelay();
        List<Instance> targets = failure.isPresent() ? List.of() : plan.accept();
        targets.forEach(instance -> instance.busyWith = operation.id());
        executor.execute(() -> run(operation, plan, targets, failure, delay));
        return operation;
    }

    Optional<OperationStatus> status(String id) {
        return Optional.ofNullable(operations.get(id)).map(CloudOperation::status);
    }

    void execute(Runnable work) {
        executor.execute(work);
    }

    private void run(CloudOperation operation, Plan plan, List<Instance> targets, Optional<CloudError> failure,
            Duration delay) {
        try {
            if (!sleep(delay)) {
                // The cloud is closing: nothing more happens to the machines.
                operation.cancel();
                return;
            }
            if (failure.isPresent()) {
                synchronized (lock) {
                    plan.revert();
                }
                operation.fail(failure.get());
                return;
            }
            if (!plan.prepare()) {
                synchronized (lock) {
                    targets.forEach(instance -> instance.busyWith = null);
                    plan.revert();
                }
                operation.cancel();
                return;
            }
            inParallel(targets, plan);
            synchronized (lock) {
                targets.forEach(instance -> instance.busyWith = null);
                plan.complete();
            }
            operation.succeed();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Emulated operation " + operation.id() + " failed", e);
            synchronized (lock) {
                targets.forEach(instance -> {
                    instance.busyWith = null;
                    instance.provisioningState = "Failed";
                });
            }
            // No source documents the code of an internal failure; this is the emulator's own.
            operation.fail(new CloudError("InternalExecutionError",
                    "The emulated machine failed: " + e.getClass().getSimpleName()));
        }
    }

    private void inParallel(List<Instance> targets, Plan plan) {
        CompletableFuture<?>[] work = targets.stream()
                .map(instance -> CompletableFuture.runAsync(() -> plan.onInstance(instance), machinePool))
                .toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(work).join();
    }

    /** False when interrupted. */
    static boolean sleep(Duration delay) {
        if (delay.isZero() || delay.isNegative()) {
            return true;
        }
        try {
            Thread.sleep(delay.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
