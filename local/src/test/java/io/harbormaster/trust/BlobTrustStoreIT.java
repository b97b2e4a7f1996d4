package io.harbormaster.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.testsupport.LocalServices;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The shared trust state against Azurite, as two app instances see it: a document's first use wins on exactly one
 * instance, even when both try at once, and every instance ends up with the same generated key.
 */
class BlobTrustStoreIT {
    private static final StorageSettings STORAGE = new StorageSettings(LocalServices.storageConnectionString());

    private static BlobTrustStore instance(MutableClock clock) {
        return BlobTrustStore.connect(STORAGE, Duration.ofMinutes(5), clock).ensureContainer();
    }

    @Test
    void aDocumentIsUsedOnceAcrossInstancesEvenConcurrently() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        BlobTrustStore first = instance(clock);
        BlobTrustStore second = instance(clock);
        String vmId = UUID.randomUUID().toString();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> uses = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                BlobTrustStore store = i % 2 == 0 ? first : second;
                uses.add(() -> store.firstUse("1234512345", vmId));
            }
            int won = 0;
            for (Future<Boolean> use : pool.invokeAll(uses)) {
                won += use.get() ? 1 : 0;
            }
            assertEquals(1, won, "exactly one of 8 concurrent uses on two instances wins");
        } finally {
            pool.shutdownNow();
        }
        assertFalse(second.firstUse("1234512345", vmId.toUpperCase()), "vmIds compare ignoring case");
        assertTrue(second.firstUse("1234512346", vmId), "another nonce is another document");
        assertTrue(first.firstUse("1234512345", UUID.randomUUID().toString()), "another VM is another document");
    }

    @Test
    void everyInstanceReadsTheSameGeneratedKey() {
        MutableClock clock = new MutableClock(Instant.now());
        TrustKey one = instance(clock).storedKey();
        TrustKey two = instance(clock).storedKey();
        assertEquals(one, two);
        assertTrue(one.bytes().length >= TrustKey.MIN_BYTES);
    }

    @Test
    void oldMarkersAreSweptAndCurrentOnesKept() {
        MutableClock clock = new MutableClock(Instant.now());
        BlobTrustStore store = instance(clock);
        String vmId = UUID.randomUUID().toString();
        assertTrue(store.firstUse("5555555555", vmId));
        BlobContainerClient container = new BlobServiceClientBuilder().connectionString(STORAGE.connectionString().orElseThrow())
                .buildClient().getBlobContainerClient(BlobTrustStore.CONTAINER);
        String marker = BlobTrustStore.REPLAY_PREFIX + "5555555555/" + vmId;
        assertTrue(container.getBlobClient(marker).exists());
        // A fresh instance sweeps on its first use; the marker is younger than 5 minutes and stays.
        instance(clock).firstUse("5555555556", vmId);
        assertTrue(container.getBlobClient(marker).exists(), "a current marker is kept");
        clock.advance(Duration.ofMinutes(6));
        instance(clock).firstUse("5555555557", vmId);
        assertFalse(container.getBlobClient(marker).exists(), "a marker older than the nonce lifetime is swept");
    }
}
