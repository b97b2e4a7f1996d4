package io.harbormaster.infra;

import io.harbormaster.emulator.imds.EventsDocument;
import io.harbormaster.emulator.imds.ImdsBackend;
import io.harbormaster.emulator.imds.VmMetadata;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Test glue around a real ImdsBackend: delegates everything, counts the events documents read, and records each approval
 * with what {@code atApproval} observed before delegating.
 *
 * <p>ImdsServer calls {@link #approve} while the approving client still waits for its answer, so the observation is
 * of the world as it was when the client approved.
 *
 * @param <T> what is observed at each approval
 */
final class ObservedImdsBackend<T> implements ImdsBackend {
    /** One approval that reached the backend: when, for which VM and event, whether the backend knew it, what was seen. */
    record Approval<T>(Instant at, String vmName, String eventId, boolean known, T observed) {}

    private final ImdsBackend backend;
    private final Supplier<T> atApproval;
    private final List<Approval<T>> approvals = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger documentsServed = new AtomicInteger();

    ObservedImdsBackend(ImdsBackend backend, Supplier<T> atApproval) {
        this.backend = backend;
        this.atApproval = atApproval;
    }

    List<Approval<T>> approvals() {
        synchronized (approvals) {
            return List.copyOf(approvals);
        }
    }

    /** How many scheduled events documents the backend has handed out. */
    int documentsServed() {
        return documentsServed.get();
    }

    @Override
    public Optional<VmMetadata> vmAt(InetAddress caller) {
        return backend.vmAt(caller);
    }

    @Override
    public EventsDocument scheduledEvents(VmMetadata vm) {
        documentsServed.incrementAndGet();
        return backend.scheduledEvents(vm);
    }

    @Override
    public boolean approve(VmMetadata vm, String eventId) {
        Instant at = Instant.now();
        // Observed before the backend acts: nothing the approval sets off can change what is recorded.
        T observed = atApproval.get();
        boolean known = backend.approve(vm, eventId);
        approvals.add(new Approval<>(at, vm.name(), eventId, known, observed));
        return known;
    }
}
