package io.harbormaster.drain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The durable record of one drain. {@code step} and {@code claimedBy} make the queue's at-least-once delivery
 * safe: a message acts only on the step it was sent for, so duplicates and stale follow-ups fall away.
 */
public record DrainStatus(
        DrainRequest request,
        DrainState state,
        boolean finished,
        int tasksRemaining,
        int replacementsPending,
        boolean timedOut,
        boolean instanceDeleted,
        String failure,
        String lastError,
        Instant drainedAt,
        Instant unreachableSince,
        long step,
        String claimedBy,
        Instant updatedAt,
        List<SurgeEntry> surge,
        String stranded,
        boolean instanceDeallocated) {

    public DrainStatus {
        surge = List.copyOf(surge);
    }

    /** A status of a drain that deallocated no instance (see {@link InstanceEnd#DEALLOCATE}). */
    public DrainStatus(DrainRequest request, DrainState state, boolean finished, int tasksRemaining,
            int replacementsPending, boolean timedOut, boolean instanceDeleted, String failure, String lastError,
            Instant drainedAt, Instant unreachableSince, long step, String claimedBy, Instant updatedAt,
            List<SurgeEntry> surge, String stranded) {
        this(request, state, finished, tasksRemaining, replacementsPending, timedOut, instanceDeleted, failure, lastError,
                drainedAt, unreachableSince, step, claimedBy, updatedAt, surge, stranded, false);
    }

    /** A status of a drain that was never stranded (see {@link DrainState#STRANDED}). */
    public DrainStatus(DrainRequest request, DrainState state, boolean finished, int tasksRemaining,
            int replacementsPending, boolean timedOut, boolean instanceDeleted, String failure, String lastError,
            Instant drainedAt, Instant unreachableSince, long step, String claimedBy, Instant updatedAt,
            List<SurgeEntry> surge) {
        this(request, state, finished, tasksRemaining, replacementsPending, timedOut, instanceDeleted, failure, lastError,
                drainedAt, unreachableSince, step, claimedBy, updatedAt, surge, null);
    }

    /** A status without surge entries: a drain of a node that runs no service labelled for surge. */
    public DrainStatus(DrainRequest request, DrainState state, boolean finished, int tasksRemaining,
            int replacementsPending, boolean timedOut, boolean instanceDeleted, String failure, String lastError,
            Instant drainedAt, Instant unreachableSince, long step, String claimedBy, Instant updatedAt) {
        this(request, state, finished, tasksRemaining, replacementsPending, timedOut, instanceDeleted, failure, lastError,
                drainedAt, unreachableSince, step, claimedBy, updatedAt, List.of(), null);
    }

    public static DrainStatus requested(DrainRequest request) {
        return new DrainStatus(request, DrainState.REQUESTED, false, 0, 0, false, false,
                null, null, null, null, 0, null, request.requestedAt(), List.of(), null, false);
    }

    /** The key the status is stored and addressed under: hostnames are case-insensitive. */
    public String key() {
        return DrainStatusStore.key(request.hostname());
    }

    DrainStatus withState(DrainState newState, boolean isFinished) {
        return new DrainStatus(request, newState, isFinished, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, failure, lastError, drainedAt, unreachableSince, step, claimedBy, updatedAt, surge, stranded, instanceDeallocated);
    }

    DrainStatus withCounts(int remaining, int pending) {
        return new DrainStatus(request, state, finished, remaining, pending, timedOut,
                instanceDeleted, failure, lastError, drainedAt, unreachableSince, step, claimedBy, updatedAt, surge, stranded, instanceDeallocated);
    }

    DrainStatus withTimedOut() {
        return new DrainStatus(request, state, finished, tasksRemaining, replacementsPending, true,
                instanceDeleted, failure, lastError, drainedAt, unreachableSince, step, claimedBy, updatedAt, surge, stranded, instanceDeallocated);
    }

    DrainStatus withInstanceDeleted() {
        return new DrainStatus(request, state, finished, tasksRemaining, replacementsPending, timedOut,
                true, failure, lastError, drainedAt, unreachableSince, step, claimedBy, updatedAt, surge, stranded, instanceDeallocated);
    }

    /** The instance's deallocation was started (a {@link InstanceEnd#DEALLOCATE} drain); it is not waited for. */
    DrainStatus withInstanceDeallocated() {
        return new DrainStatus(request, state, finished, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, failure, lastError, drainedAt, unreachableSince, step, claimedBy, updatedAt, surge, stranded,
                true);
    }

    DrainStatus withDrainedAt(Instant at) {
        return new DrainStatus(request, state, finished, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, failure, lastError, at, unreachableSince, step, claimedBy, updatedAt, surge, stranded, instanceDeallocated);
    }

    DrainStatus withFailure(String why) {
        return new DrainStatus(request, DrainState.FAILED, true, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, why, lastError, drainedAt, unreachableSince, step, claimedBy, updatedAt, surge, stranded, instanceDeallocated);
    }

    DrainStatus cancelled(Instant now) {
        return new DrainStatus(request, DrainState.CANCELLED, true, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, failure, lastError, drainedAt, unreachableSince, step + 1, null, now, surge, stranded, instanceDeallocated);
    }

    DrainStatus withLastError(String error, Instant since) {
        return new DrainStatus(request, state, finished, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, failure, error, drainedAt, since, step, claimedBy, updatedAt, surge, stranded, instanceDeallocated);
    }

    DrainStatus claimed(long newStep, String messageId, Instant now) {
        return new DrainStatus(request, state, finished, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, failure, lastError, drainedAt, unreachableSince, newStep, messageId, now, surge, stranded, instanceDeallocated);
    }

    DrainStatus withSurge(List<SurgeEntry> entries) {
        return new DrainStatus(request, state, finished, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, failure, lastError, drainedAt, unreachableSince, step, claimedBy, updatedAt, entries, stranded, instanceDeallocated);
    }

    DrainStatus withSurgePhase(String serviceId, SurgeEntry.Phase phase) {
        List<SurgeEntry> entries = new ArrayList<>();
        for (SurgeEntry entry : surge) {
            entries.add(entry.serviceId().equals(serviceId) ? entry.withPhase(phase) : entry);
        }
        return withSurge(entries);
    }

    /** Why the node's tasks have nowhere to go (state {@code stranded}); null while they may yet move. */
    DrainStatus withStranded(String why) {
        return new DrainStatus(request, state, finished, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, failure, lastError, drainedAt, unreachableSince, step, claimedBy, updatedAt, surge, why, instanceDeallocated);
    }

    /** Whether a surge is on record whose service may still stand above its original replica count. */
    public boolean surgeOutstanding() {
        return surge.stream().anyMatch(entry -> entry.phase() == SurgeEntry.Phase.PLANNED
                || entry.phase() == SurgeEntry.Phase.SURGED);
    }
}
