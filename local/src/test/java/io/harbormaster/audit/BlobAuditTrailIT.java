package io.harbormaster.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobItem;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.storage.StorageClients;
import io.harbormaster.testsupport.LocalServices;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The audit trail on Azurite: hourly append blobs, concurrent appends, pages, pruning. */
class BlobAuditTrailIT {
    private static final Instant T0 = Instant.parse("2026-12-06T17:59:58Z");
    private BlobContainerClient container;
    private BlobAuditTrail trail;

    @BeforeEach
    void start() {
        StorageClients storage = StorageClients.connect(new StorageSettings(LocalServices.storageConnectionString()));
        container = storage.container(BlobAuditTrail.CONTAINER, new com.azure.storage.common.policy.RequestRetryOptions());
        container.deleteIfExists();
        trail = BlobAuditTrail.connect(storage);
    }

    @AfterEach
    void stop() {
        container.deleteIfExists();
    }

    @Test
    void eventsGoToTheirHoursBlobAndReadBackInOrderAcrossHours() {
        // Before any event there is no container, and reading is not an error.
        assertEquals(List.of(), trail.since(T0.minusSeconds(3600), 10));
        trail.record(AuditEvent.of(T0, AuditKind.SCALE_OUT, "scale set", "3 pending", "toCapacity", "4"));
        trail.record(AuditEvent.of(T0.plusSeconds(1), AuditKind.DRAIN_STATE, "agent-1", "scale-in", "to", "requested"));
        trail.record(AuditEvent.of(T0.plusSeconds(3), AuditKind.INSTANCE_DELETED, "agent-1", "drained", "instanceId", "1"));

        assertEquals(List.of("events/2026/12/06/17.jsonl", "events/2026/12/06/18.jsonl"), names());
        List<AuditEvent> all = trail.since(T0.minusSeconds(1), 10);
        assertEquals(List.of(AuditKind.SCALE_OUT, AuditKind.DRAIN_STATE, AuditKind.INSTANCE_DELETED),
                all.stream().map(AuditEvent::kind).toList());
        assertEquals("4", all.get(0).details().get("toCapacity"));
        // since is exclusive, and a page holds at most the limit.
        assertEquals(List.of(AuditKind.DRAIN_STATE), trail.since(T0, 1).stream().map(AuditEvent::kind).toList());
        assertEquals(List.of(AuditKind.INSTANCE_DELETED), trail.since(T0.plusSeconds(1), 10).stream().map(AuditEvent::kind).toList());
    }

    @Test
    void appendsFromManyWritersAtOnceAreAllKeptWhole() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> writes = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            int n = i;
            writes.add(pool.submit(() -> trail.record(AuditEvent.of(T0.plusMillis(n), AuditKind.CALLER_REFUSED,
                    "caller-" + n, "bad_signature", "route", "node/join"))));
        }
        for (Future<?> write : writes) {
            write.get();
        }
        pool.shutdown();
        List<AuditEvent> read = trail.since(T0.minusSeconds(1), 1000);
        assertEquals(80, read.size(), "every line whole: none torn, none lost");
        for (int i = 0; i < 80; i++) {
            assertEquals("caller-" + i, read.get(i).subject());
        }
    }

    @Test
    void pruningDeletesWholeHoursOlderThanTheCutOffOnly() {
        trail.record(AuditEvent.of(T0.minusSeconds(7200), AuditKind.SCALE_OUT, "scale set", "old"));
        trail.record(AuditEvent.of(T0, AuditKind.SCALE_OUT, "scale set", "this hour"));
        assertEquals(1, trail.prune(T0.minusSeconds(1800)));
        assertEquals(List.of("events/2026/12/06/17.jsonl"), names());
        assertTrue(trail.since(T0.minusSeconds(10_000), 10).stream().allMatch(event -> event.reason().equals("this hour")));
    }

    private List<String> names() {
        List<String> names = new ArrayList<>();
        for (BlobItem item : container.listBlobs()) {
            names.add(item.getName());
        }
        return names;
    }
}
