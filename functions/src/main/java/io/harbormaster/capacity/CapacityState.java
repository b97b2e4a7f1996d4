package io.harbormaster.capacity;

import java.util.Optional;

/** Where capacity checks keep their history, and the lease that lets only one check act at a time. */
public interface CapacityState {
    /** A held lease; closing it releases it early. */
    interface Lease extends AutoCloseable {
        @Override
        void close();
    }

    /** Takes the lease, or empty when another check holds it. */
    Optional<Lease> tryAcquire();

    CapacityHistory readHistory();

    void writeHistory(CapacityHistory history);
}
