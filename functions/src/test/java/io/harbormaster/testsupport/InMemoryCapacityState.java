package io.harbormaster.testsupport;

import io.harbormaster.capacity.CapacityHistory;
import io.harbormaster.capacity.CapacityHistoryCodec;
import io.harbormaster.capacity.CapacityPause;
import io.harbormaster.capacity.CapacityState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * An in-memory {@link CapacityState}: a lease that expires by itself and renews as a blob lease does, the history as
 * the codec stores it with a version that conditional writes must match, and the pause switch.
 */
public final class InMemoryCapacityState implements CapacityState {
    /** As long as the blob lease BlobCapacityState takes: a check that dies holding it blocks the next ones this long. */
    public static final Duration LEASE_DURATION = Duration.ofSeconds(60);

    private final Clock clock;
    private String historyJson;
    private long version;
    private long leaseIds;
    private long heldLease;
    private Instant leaseExpiresAt = Instant.MIN;
    private int historyWrites;
    private int refusedWrites;
    private String pauseJson;

    public InMemoryCapacityState(Clock clock) {
        this.clock = clock;
    }

    /** Stores a history as if an earlier check had written it. */
    public synchronized void arrangeHistory(CapacityHistory history) {
        historyJson = CapacityHistoryCodec.write(history);
        version++;
    }

    /** Whether a lease is held now and has not expired. */
    public synchronized boolean leased() {
        return clock.instant().isBefore(leaseExpiresAt);
    }

    public synchronized int historyWrites() {
        return historyWrites;
    }

    /** Conditional writes refused because the history had changed since it was read. */
    public synchronized int refusedWrites() {
        return refusedWrites;
    }

    @Override
    public synchronized Optional<Lease> tryAcquire() {
        if (leased()) {
            return Optional.empty();
        }
        long id = ++leaseIds;
        heldLease = id;
        leaseExpiresAt = clock.instant().plus(LEASE_DURATION);
        return Optional.of(new Lease() {
            @Override
            public boolean renew() {
                return InMemoryCapacityState.this.renew(id);
            }

            @Override
            public void close() {
                release(id);
            }
        });
    }

    @Override
    public synchronized Versioned readVersioned() {
        return historyJson == null
                ? new Versioned(CapacityHistory.EMPTY, null)
                : new Versioned(CapacityHistoryCodec.read(historyJson), etag());
    }

    @Override
    public synchronized Optional<String> writeHistory(CapacityHistory history, String expectedEtag) {
        String current = historyJson == null ? null : etag();
        if (!java.util.Objects.equals(current, expectedEtag)) {
            refusedWrites++;
            return Optional.empty();
        }
        historyJson = CapacityHistoryCodec.write(history);
        version++;
        historyWrites++;
        return Optional.of(etag());
    }

    @Override
    public synchronized CapacityPause readPause() {
        return pauseJson == null ? CapacityPause.NEVER_CHANGED : CapacityPause.fromJson(pauseJson);
    }

    @Override
    public synchronized void writePause(CapacityPause pause) {
        pauseJson = pause.toJson();
    }

    private String etag() {
        return "\"" + version + "\"";
    }

    private synchronized boolean renew(long id) {
        // As a blob lease: renewable after it expired, unless another check has taken it since.
        if (heldLease != id) {
            return false;
        }
        leaseExpiresAt = clock.instant().plus(LEASE_DURATION);
        return true;
    }

    private synchronized void release(long id) {
        // A lease that expired and was taken by another check is that check's now; releasing it must not free it.
        if (heldLease == id) {
            leaseExpiresAt = Instant.MIN;
            heldLease = 0;
        }
    }
}
