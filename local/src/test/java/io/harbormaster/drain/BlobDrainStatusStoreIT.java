package io.harbormaster.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.StorageSettings;
import io.harbormaster.testsupport.LocalServices;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The blob status store against Azurite: compare-and-set is what keeps two deliveries from both acting. */
class BlobDrainStatusStoreIT {
    private final BlobDrainStatusStore store =
            BlobDrainStatusStore.connect(new StorageSettings(LocalServices.storageConnectionString())).ensureContainer();

    private static DrainStatus status(String hostname) {
        Instant now = Instant.parse("2026-11-25T10:00:00Z");
        return DrainStatus.requested(new DrainRequest(UUID.randomUUID().toString(), hostname, "node-" + hostname,
                DrainReason.MANUAL, false, now.plusSeconds(600), now));
    }

    @Test
    void createOnlyOnceThenReplaceOnlyAtTheVersionRead() {
        String hostname = "Store-Test-" + UUID.randomUUID().toString().substring(0, 8);
        DrainStatus first = status(hostname);
        assertTrue(store.create(first));
        assertFalse(store.create(status(hostname)), "a second create for the same node must lose");

        DrainStatusStore.Stored stored = store.read(hostname.toLowerCase()).orElseThrow();
        assertEquals(first, stored.status());

        DrainStatus advanced = first.withCounts(4, 0).claimed(1, "m1", Instant.now());
        assertTrue(store.replace(advanced, stored.etag()));
        assertFalse(store.replace(first.claimed(1, "m2", Instant.now()), stored.etag()), "a stale ETag must lose");

        DrainStatusStore.Stored after = store.read(hostname).orElseThrow();
        assertEquals(advanced, after.status());
        assertNotEquals(stored.etag(), after.etag());

        store.delete(hostname, stored.etag());
        assertTrue(store.read(hostname).isPresent(), "delete at a stale ETag must not delete");
        store.delete(hostname, after.etag());
        assertTrue(store.read(hostname).isEmpty());
    }
}
