package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.harbormaster.testsupport.LocalServices;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The lease that keeps two overlapping capacity checks from both acting, and the stored history, on Azurite. */
class BlobCapacityStateIT {
    // A container of its own: the shared one's lease may still be held by a host another test just stopped.
    private final BlobContainerClient container = new BlobServiceClientBuilder()
            .connectionString(LocalServices.storageConnectionString()).buildClient()
            .getBlobContainerClient("capacity-it-" + UUID.randomUUID());
    private final BlobCapacityState state = new BlobCapacityState(container).ensureContainer();

    @AfterEach
    void deleteContainer() {
        container.deleteIfExists();
    }

    @Test
    void onlyOneCheckHoldsTheLeaseUntilItIsReleased() {
        Optional<CapacityState.Lease> first = state.tryAcquire();
        assertTrue(first.isPresent(), "the lease is free");
        try {
            assertTrue(state.tryAcquire().isEmpty(), "a second check got the lease while the first held it");
        } finally {
            first.get().close();
        }
        Optional<CapacityState.Lease> again = state.tryAcquire();
        assertTrue(again.isPresent(), "the released lease could not be taken again");
        again.get().close();
    }

    @Test
    void historySurvivesTheRoundTrip() {
        CapacityHistory history = CapacityHistory.EMPTY.withExpectedCapacity(4, Instant.parse("2026-11-25T10:00:00Z"));
        Optional<CapacityState.Lease> lease = state.tryAcquire();
        assertTrue(lease.isPresent());
        try {
            state.writeHistory(history);
            assertEquals(history, state.readHistory());
        } finally {
            lease.get().close();
        }
    }
}
