package io.harbormaster.testsupport;

import io.harbormaster.capacity.CapacityHistory;
import io.harbormaster.capacity.CapacityHistoryCodec;
import io.harbormaster.capacity.CapacityState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** An in-memory {@link CapacityState}: a lease that expires by itself, and the history as the codec stores it. */
public final class InMemoryCapacityState implements CapacityState {
    /** As long as the blob lease BlobCapacityState takes: a check that dies holding it blocks the next ones this long. */
    public static final Duration LEASE_DURATION = Duration.ofSeconds(60);

    private final Clock clock;
    private String historyJson;
    private long leaseIds;
    private long heldLease;
    private Instant leaseExpiresAt = Instant.MIN;
    private int historyWrites;

    public InMemoryCapacityState(Clock clock) {
        this.clock = clock;
    }

    /** Stores a history as if an earlier check had written it. */
    public synchronized void arrangeHistory(CapacityHistory history) {
        historyJson = CapacityHistoryCodec.write(history);
    }

    /** Whether a lease is held now and has not expired. */
    public synchronized boolean leased() {
        return clock.instant().isBefore(leaseExpiresAt);
    }

    public synchronized int historyWrites() {
        return historyWrites;
    }

    @Override
    public synchronized Optional<Lease> tryAcquire() {
        if (leased()) {
            return Optional.empty();
        }
        long id = ++leaseIds;
        heldLease = id;
        leaseExpiresAt = clock.instant().plus(LEASE_DURATION);
        return Optional.of(() -> release(id));
    }

    @Override
    public synchronized CapacityHistory readHistory() {
        return historyJson == null ? CapacityHistory.EMPTY : CapacityHistoryCodec.read(historyJson);
    }

    @Override
    public synchronized void writeHistory(CapacityHistory history) {
        historyJson = CapacityHistoryCodec.write(history);
        historyWrites++;
    }

    private synchronized void release(long id) {
        // A lease that expired and was taken by another check is that check's now; releasing it must not free it.
        if (heldLease == id) {
            leaseExpiresAt = Instant.MIN;
        }
    }
}
