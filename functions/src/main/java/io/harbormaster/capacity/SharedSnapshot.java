package io.harbormaster.capacity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The cluster snapshot the status route shows, shared by every caller: taken at most once per {@code maxAge} (Docker
 * and ARM calls, and the drain list), whatever the number of viewers. A caller that finds it older waits for the one
 * caller taking it; a failed take is answered again, without asking, for the same {@code maxAge}.
 */
final class SharedSnapshot<T> {
    private final Supplier<T> take;
    private final Function<T, Instant> takenAt;
    private final Clock clock;
    private final Duration maxAge;
    private final ReentrantLock taking = new ReentrantLock();
    private volatile T latest;
    private volatile Failure failure;

    private record Failure(RuntimeException error, Instant at) {
    }

    /** @param takenAt when a snapshot was taken, which its age counts from */
    SharedSnapshot(Supplier<T> take, Function<T, Instant> takenAt, Clock clock, Duration maxAge) {
        this.take = take;
        this.takenAt = takenAt;
        this.clock = clock;
        this.maxAge = maxAge;
    }

    /** The latest snapshot when it is younger than the maximum age, else a new one; throws what the take threw. */
    T get() {
        T seen = usable();
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
                T fresh = take.get();
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

    private T usable() {
        Instant now = clock.instant();
        Failure failed = failure;
        if (failed != null && now.isBefore(failed.at().plus(maxAge))) {
            throw failed.error();
        }
        T seen = latest;
        return seen != null && now.isBefore(takenAt.apply(seen).plus(maxAge)) ? seen : null;
    }
}
