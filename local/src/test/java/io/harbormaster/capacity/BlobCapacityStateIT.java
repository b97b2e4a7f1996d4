package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.harbormaster.testsupport.LocalServices;
import java.time.Instant;
import java.util.List;
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
        CapacityHistory history = CapacityHistory.EMPTY.withExpectedCapacity(4, Instant.parse("2026-11-25T10:00:00Z"))
                .withOperations(List.of(CapacityHistory.Operation.setCapacity(5, Instant.parse("2026-11-25T10:00:01Z"))));
        Optional<CapacityState.Lease> lease = state.tryAcquire();
        assertTrue(lease.isPresent());
        try {
            assertTrue(state.writeHistory(history, null).isPresent(), "the first history is written where none is");
            assertEquals(history, state.readHistory());
        } finally {
            lease.get().close();
        }
    }

    @Test
    void aWriteBasedOnAStaleReadIsRefusedAndChangesNothing() {
        assertTrue(state.writeHistory(CapacityHistory.EMPTY, null).isPresent());
        CapacityState.Versioned slow = state.readVersioned();
        CapacityHistory newer = CapacityHistory.EMPTY.withExpectedCapacity(7, Instant.parse("2026-11-25T10:00:00Z"));
        CapacityState.Versioned fast = state.readVersioned();
        Optional<String> written = state.writeHistory(newer, fast.etag());
        assertTrue(written.isPresent());

        assertTrue(state.writeHistory(CapacityHistory.EMPTY, slow.etag()).isEmpty(), "the stale write went through");
        assertTrue(state.writeHistory(CapacityHistory.EMPTY, null).isEmpty(), "a first-history write overwrote one");
        assertEquals(newer, state.readHistory());
        assertEquals(written.get(), state.readVersioned().etag());
    }

    @Test
    void aReleasedLeaseTakenByAnotherCheckCannotBeRenewed() {
        CapacityState.Lease first = state.tryAcquire().orElseThrow();
        assertTrue(first.renew(), "a held lease renews");
        first.close();
        CapacityState.Lease second = state.tryAcquire().orElseThrow();
        try {
            assertFalse(first.renew(), "the first check renewed a lease another check holds");
            assertTrue(second.renew());
        } finally {
            second.close();
        }
    }

    @Test
    void thePauseSwitchIsStoredOnItsOwn() {
        assertEquals(CapacityPause.NEVER_CHANGED, state.readPause());
        CapacityPause pause = new CapacityPause(true, "alice", "investigating", Instant.parse("2026-11-25T10:00:00Z"));
        state.writePause(pause);
        assertEquals(pause, state.readPause());
        assertEquals(CapacityHistory.EMPTY, state.readHistory(), "the switch is not in the history");
    }
}
