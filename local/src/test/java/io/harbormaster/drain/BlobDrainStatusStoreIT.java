package io.harbormaster.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.testsupport.LocalServices;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The blob status store against Azurite: compare-and-set is what keeps two deliveries from both acting; expiry and
 * the listing's skip of an unreadable blob must hold against the real service too.
 */
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

        assertFalse(store.delete(hostname, stored.etag()));
        assertTrue(store.read(hostname).isPresent(), "delete at a stale ETag must not delete");
        assertTrue(store.delete(hostname, after.etag()));
        assertTrue(store.read(hostname).isEmpty());
        assertFalse(store.delete(hostname, after.etag()), "a status already gone is not deleted again");
    }

    @Test
    void anUnreadableBlobIsSkippedByTheListingAndLeftInPlace() {
        String bad = "unreadable-" + UUID.randomUUID().toString().substring(0, 8);
        String good = "readable-" + UUID.randomUUID().toString().substring(0, 8);
        BlobClient badBlob = container().getBlobClient(bad + ".json");
        badBlob.upload(BinaryData.fromString("{\"request\": truncated"), true);
        DrainStatus readable = status(good);
        assertTrue(store.create(readable));

        List<DrainStatus> listed = store.list();

        assertTrue(listed.contains(readable), "the readable status is still listed");
        assertTrue(listed.stream().noneMatch(s -> s.key().equals(bad)));
        assertTrue(badBlob.exists(), "skipped, not deleted: an operator fixes or removes it");
        badBlob.delete();
        store.delete(good, store.read(good).orElseThrow().etag());
    }

    @Test
    void expiryDeletesAnOldFinishedStatusOnlyAtTheEtagRead() {
        String old = "expired-" + UUID.randomUUID().toString().substring(0, 8);
        String draining = "draining-" + UUID.randomUUID().toString().substring(0, 8);
        Instant longAgo = Instant.now().minus(Duration.ofDays(30));
        assertTrue(store.create(status(old).withState(DrainState.REMOVED, true).claimed(3, "m", longAgo)));
        assertTrue(store.create(status(draining).withState(DrainState.DRAINING, false).claimed(2, "m", longAgo)));
        // Expiry uses neither the swarm nor the queue.
        DrainRequests requests = new DrainRequests(null, store, null,
                DrainSettings.from(new AppSettings(Map.of())), Optional.empty(), Clock.systemUTC(), AuditTrail.NONE);
        List<DrainStatus> listed = ours(old, draining);

        // A new drain of the node after the listing: its status must survive the expiry of the old one.
        DrainStatusStore.Stored oldRead = store.read(old).orElseThrow();
        DrainStatus newer = status(old);
        assertTrue(store.replace(newer, oldRead.etag()));
        assertFalse(requests.expireFinished(listed, Set.of()).contains(old));
        assertEquals(newer, store.read(old).orElseThrow().status());

        // Finished again and old: now it goes; the drain under way never does.
        DrainStatusStore.Stored current = store.read(old).orElseThrow();
        assertTrue(store.replace(newer.withState(DrainState.REMOVED, true).claimed(3, "m", longAgo), current.etag()));
        assertTrue(requests.expireFinished(ours(old, draining), Set.of()).contains(old));
        assertTrue(store.read(old).isEmpty());
        assertTrue(store.read(draining).isPresent(), "a drain under way is never expired");
        store.delete(draining, store.read(draining).orElseThrow().etag());
    }

    /** Only this test's statuses: other tests share the container, and theirs are not this test's to expire. */
    private List<DrainStatus> ours(String... hostnames) {
        List<String> keys = List.of(hostnames);
        return store.list().stream().filter(status -> keys.contains(status.key())).toList();
    }

    private static BlobContainerClient container() {
        return new BlobServiceClientBuilder().connectionString(LocalServices.storageConnectionString()).buildClient()
                .getBlobContainerClient(BlobDrainStatusStore.CONTAINER);
    }
}
