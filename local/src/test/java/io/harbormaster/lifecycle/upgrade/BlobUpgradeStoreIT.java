package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.common.policy.RequestRetryOptions;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.storage.StorageClients;
import io.harbormaster.storage.VersionedBlobs;
import io.harbormaster.testsupport.LocalServices;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The upgrade's blob store against Azurite: compare-and-set keeps two deliveries (or a pass and a pause) from both writing. */
class BlobUpgradeStoreIT {
    // A container of its own, so the emulated-cluster tests' upgrade status is never touched.
    private final BlobContainerClient container = StorageClients.connect(
            new StorageSettings(LocalServices.storageConnectionString()))
            .container("upgrade-it-" + UUID.randomUUID().toString().substring(0, 8), new RequestRetryOptions());
    private final BlobUpgradeStore store = new BlobUpgradeStore(new VersionedBlobs(container));

    @AfterEach
    void deleteContainer() {
        container.deleteIfExists();
    }

    @Test
    void createOnceThenReplaceOnlyAtTheVersionReadWithTheNewVersionReturned() {
        container.createIfNotExists();
        assertTrue(store.read().isEmpty());
        UpgradeStatus status = UpgradeStatus.started("u-" + UUID.randomUUID(), "it", Instant.parse("2026-12-06T20:00:00Z"),
                List.of(UpgradeEntry.pending("0", "agent000000", UpgradeEntry.MANUAL_UPGRADE)));
        String created = store.create(status).orElseThrow();
        assertTrue(store.create(status).isEmpty(), "a second create loses");

        UpgradeStore.Stored read = store.read().orElseThrow();
        assertEquals(status, read.status());
        assertEquals(created, read.etag(), "the ETag a write returns is the one a read sees");

        UpgradeStatus paused = status.paused("by the operator");
        String replaced = store.replace(paused, read.etag()).orElseThrow();
        assertNotEquals(created, replaced);
        assertTrue(store.replace(status.claimed(1, "m", Instant.now()), read.etag()).isEmpty(), "a stale ETag loses");
        // A pass that wrote its intent goes on at the ETag its own write returned.
        assertTrue(store.replace(paused.claimed(2, "m", Instant.now()), replaced).isPresent());
        assertEquals(2, store.read().orElseThrow().status().step());
    }
}
