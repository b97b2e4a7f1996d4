package io.harbormaster.capacity;

import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where capacity checks keep their history, the lease that lets only one check act at a time, and the operator's
 * pause switch. History writes are conditional on the version read, so a check that lost its lease, or a writer
 * outside the lease, never overwrites a newer history.
 */
public interface CapacityState {
    /** A held lease; closing it releases it early. */
    interface Lease extends AutoCloseable {
        /**
         * Extends the lease to its full length again. False when it is lost: it expired and another check took it,
         * which then alone may act and write.
         */
        boolean renew();

        @Override
        void close();
    }

    /** The stored history and its version; the version is null while none is stored. */
    record Versioned(CapacityHistory history, String etag) {
    }

    /** How often {@link #update} re-reads after a concurrent write before it gives up. */
    int UPDATE_ATTEMPTS = 5;

    /** Takes the lease, or empty when another check holds it. */
    Optional<Lease> tryAcquire();

    Versioned readVersioned();

    default CapacityHistory readHistory() {
        return readVersioned().history();
    }

    /**
     * Writes the history only if the stored one is still at {@code expectedEtag} (null: only if none is stored).
     *
     * @return the new version, or empty when the stored history changed since it was read: nothing was written
     */
    Optional<String> writeHistory(CapacityHistory history, String expectedEtag);

    /**
     * A change outside the lease (an announced capacity, an operator's decision): read, change, write if unchanged
     * meanwhile, else again. A check's own conditional write then keeps what this added.
     *
     * @throws IllegalStateException when every attempt met a concurrent write
     */
    default CapacityHistory update(UnaryOperator<CapacityHistory> change) {
        for (int attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
            Versioned read = readVersioned();
            CapacityHistory changed = change.apply(read.history());
            if (writeHistory(changed, read.etag()).isPresent()) {
                return changed;
            }
        }
        throw new IllegalStateException("the capacity history changed on each of " + UPDATE_ATTEMPTS + " attempts to update it");
    }

    /** The pause switch; {@link CapacityPause#NEVER_CHANGED} while it was never set. */
    CapacityPause readPause();

    void writePause(CapacityPause pause);
}
