package io.harbormaster.drain;

import java.time.Instant;

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
        Instant updatedAt) {

    public static DrainStatus requested(DrainRequest request) {
        return new DrainStatus(request, DrainState.REQUESTED, false, 0, 0, false, false,
                null, null, null, null, 0, null, request.requestedAt());
    }

    /** The key the status is stored and addressed under: hostnames are case-insensitive. */
    public String key() {
        return DrainStatusStore.key(request.hostname());
    }

    DrainStatus withState(DrainState newState, boolean isFinished) {
        return new DrainStatus(request, newState, isFinished, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, failure, lastError, drainedAt, unreachableSince, step, claimedBy, updatedAt);
    }

    DrainStatus withCounts(int remaining, int pending) {
        return new DrainStatus(request, state, finished, remaining, pending, timedOut,
                instanceDeleted, failure, lastError, drainedAt, unreachableSince, step, claimedBy, updatedAt);
    }

    DrainStatus withTimedOut() {
        return new DrainStatus(request, state, finished, tasksRemaining, replacementsPending, true,
                instanceDeleted, failure, lastError, drainedAt, unreachableSince, step, claimedBy, updatedAt);
    }

    DrainStatus withInstanceDeleted() {
        return new DrainStatus(request, state, finished, tasksRemaining, replacementsPending, timedOut,
                true, failure, lastError, drainedAt, unreachableSince, step, claimedBy, updatedAt);
    }

    DrainStatus withDrainedAt(Instant at) {
        return new DrainStatus(request, state, finished, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, failure, lastError, at, unreachableSince, step, claimedBy, updatedAt);
    }

    DrainStatus withFailure(String why) {
        return new DrainStatus(request, DrainState.FAILED, true, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, why, lastError, drainedAt, unreachableSince, step, claimedBy, updatedAt);
    }

    DrainStatus cancelled(Instant now) {
        return new DrainStatus(request, DrainState.CANCELLED, true, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, failure, lastError, drainedAt, unreachableSince, step + 1, null, now);
    }

    DrainStatus withLastError(String error, Instant since) {
        return new DrainStatus(request, state, finished, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, failure, error, drainedAt, since, step, claimedBy, updatedAt);
    }

    DrainStatus claimed(long newStep, String messageId, Instant now) {
        return new DrainStatus(request, state, finished, tasksRemaining, replacementsPending, timedOut,
                instanceDeleted, failure, lastError, drainedAt, unreachableSince, newStep, messageId, now);
    }
}
