package io.harbormaster.capacity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The cluster snapshot the status route shows, shared by every caller: taken at most once per {@code maxAge} (Docker
 * and ARM calls, and the drain list), whatever the number of viewers. A caller that finds it older waits for the one
 * caller taking it; a failed take is answered again, without asking, for the same {@code maxAge}.
 */
final class SharedSnapshot {
    private final Supplier<CapacitySnapshot> take;
    private final Clock clock;
    private final Duration maxAge;
    private final ReentrantLock taking = new ReentrantLock();
    private volatile CapacitySnapshot latest;
    private volatile Failure failure;

    private record Failure(RuntimeException error, Instant at) {
    }

    SharedSnapshot(Supplier<CapacitySnapshot> take, Clock clock, Duration maxAge) {
        this.take = take;
        this.clock = clock;
        this.maxAge = maxAge;
    }

    /** The latest snapshot when it is younger than the maximum age, else a new one; throws what the take threw. */
    CapacitySnapshot get() {
        CapacitySnapshot seen = usable();
        if (seen != null) {
            return seen;
        }
        taking.lock();
        try {
            // Another caller may have taken it, or failed, while this one waited.
            seen = usable();
            if (seen != null) {
                return seen;
            }
            try {
                CapacitySnapshot fresh = take.get();
                latest = fresh;
                failure = null;
                return fresh;
            } catch (RuntimeException e) {
                failure = new Failure(e, clock.instant());
                throw e;
            }
        } finally {
            taking.unlock();
        }
    }

    private CapacitySnapshot usable() {
        Instant now = clock.instant();
        Failure failed = failure;
        if (failed != null && now.isBefore(failed.at().plus(maxAge))) {
            throw failed.error();
        }
        CapacitySnapshot seen = latest;
        return seen != null && now.isBefore(seen.takenAt().plus(maxAge)) ? seen : null;
    }
}
