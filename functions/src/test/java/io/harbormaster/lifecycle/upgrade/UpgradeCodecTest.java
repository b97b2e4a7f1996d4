package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.testsupport.InMemoryUpgradeStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UpgradeCodecTest {
    private static final Instant NOW = Instant.parse("2026-12-06T20:00:00Z");

    private static UpgradeStatus status() {
        UpgradeEntry surged = UpgradeEntry.pending("3", "agent000003", "manualUpgrade").withOldNode("n3")
                .withSurge(5, Set.of("3", "4", "1")).withReplacement("7", "agent000007").withDrain("d-3")
                .in(UpgradePhase.DRAINING, NOW);
        UpgradeEntry done = UpgradeEntry.pending("4", "agent000004", "reimage").done("upgraded", NOW);
        return UpgradeStatus.started("u-1", "the operator", NOW.minusSeconds(60), List.of(surged, done,
                UpgradeEntry.pending("5", null, "manualUpgrade"))).claimed(4, "msg-9", NOW).paused("why not");
    }

    @Test
    void aStatusSurvivesTheRoundTripFieldByField() {
        UpgradeStatus status = status();
        assertEquals(status, UpgradeCodec.status(UpgradeCodec.status(status)));
    }

    @Test
    void messagesRoundTripAndABadOneIsRefusedByName() {
        UpgradeCodec.Message message = new UpgradeCodec.Message("u-1", 7);
        assertEquals(message, UpgradeCodec.message(UpgradeCodec.message(message)));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> UpgradeCodec.message("{\"version\":2}"))
                .getMessage().contains("version"));
        assertThrows(IllegalArgumentException.class, () -> UpgradeCodec.message("not json"));
        assertThrows(IllegalArgumentException.class, () -> UpgradeCodec.status("{\"state\":\"nonsense\"}"));
    }

    @Test
    void theViewShowsProgressPerInstanceAndNoMessageIds() {
        Map<String, Object> view = UpgradeCodec.view(status());
        assertEquals("paused", view.get("state"));
        assertEquals("why not", view.get("pausedBecause"));
        assertEquals(1L, view.get("done"));
        assertEquals(3, view.get("total"));
        List<?> instances = (List<?>) view.get("instances");
        assertEquals("draining", ((Map<?, ?>) instances.get(0)).get("phase"));
        assertEquals(true, ((Map<?, ?>) instances.get(0)).get("surged"));
        assertFalse(view.toString().contains("msg-9"));
    }

    @Test
    void theStoreCreatesOnceAndReplacesOnlyAtTheVersionRead() {
        InMemoryUpgradeStore store = new InMemoryUpgradeStore();
        String etag = store.create(status()).orElseThrow();
        assertTrue(store.create(status()).isEmpty());
        assertTrue(store.replace(status().claimed(5, "m", NOW), etag).isPresent());
        assertTrue(store.replace(status().claimed(6, "m", NOW), etag).isEmpty(), "a stale ETag loses");
        assertEquals(5, store.read().orElseThrow().status().step());
    }
}
