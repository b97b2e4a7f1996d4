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

    /** As the version before pools stored it: no pool anywhere, one imageVersion, bare instance ids. */
    private static final String BEFORE_POOLS = "{\"version\":1,\"upgradeId\":\"u-0\",\"state\":\"running\","
            + "\"startedBy\":\"the operator\",\"startedAt\":\"2026-12-06T19:00:00Z\",\"updatedAt\":\"2026-12-06T19:01:00Z\","
            + "\"pausedBecause\":null,\"lastError\":null,\"step\":3,\"claimedBy\":\"m-1\",\"imageVersion\":\"1.0.9\","
            + "\"entries\":[{\"instanceId\":\"0\",\"computerName\":\"agent000000\",\"method\":\"reimage\","
            + "\"phase\":\"draining\",\"phaseSince\":\"2026-12-06T19:01:00Z\",\"oldNodeId\":\"n0\",\"surgeTarget\":0,"
            + "\"replacementId\":null,\"replacementName\":null,\"drainRequestId\":\"d-0\",\"outcome\":null,"
            + "\"oldNodeWentDown\":false,\"instancesBefore\":[]}]}";

    @Test
    void aStatusStoredBeforePoolsReadsAsTheFirstPoolsWithItsImageVersion() {
        UpgradeStatus read = UpgradeCodec.status(BEFORE_POOLS, "general");

        assertEquals(List.of(new UpgradeStatus.PoolTarget("general", "1.0.9")), read.pools());
        assertEquals("general", read.entries().get(0).pool());
        assertEquals("0", read.entries().get(0).instanceId(), "the first pool's ids stay bare");
        assertEquals("general", read.currentPool());
        assertEquals("1.0.9", read.imageVersion());
        assertEquals(UpgradePhase.DRAINING, read.entries().get(0).phase());
        assertEquals("agents", UpgradeCodec.status(BEFORE_POOLS).currentPool(), "without pools: the single scale set's");
        assertEquals(read, UpgradeCodec.status(UpgradeCodec.status(read), "other"), "written with its pools from now on");
    }

    @Test
    void aStatusOfTwoPoolsNamesEachEntrysPoolAndTheViewShowsThePoolUnderWay() {
        UpgradeStatus status = UpgradeStatus.started("u-2", "test", NOW, List.of(
                UpgradeEntry.pending("general", "0", "general000000", "manualUpgrade").done("upgraded", NOW),
                UpgradeEntry.pending("gpu", "gpu:0", "gpu000000", "reimage")),
                List.of(new UpgradeStatus.PoolTarget("general", null), new UpgradeStatus.PoolTarget("gpu", "2.0.0")));
        assertEquals(status, UpgradeCodec.status(UpgradeCodec.status(status), "general"));

        Map<String, Object> view = UpgradeCodec.view(status);
        assertEquals("gpu", view.get("pool"));
        assertEquals("2.0.0", view.get("imageVersion"));
        List<?> pools = (List<?>) view.get("pools");
        assertEquals(Map.of("name", "general", "done", 1L, "total", 1L), withoutNulls((Map<?, ?>) pools.get(0)));
        assertEquals("gpu", ((Map<?, ?>) ((List<?>) view.get("instances")).get(1)).get("pool"));
        assertEquals("gpu:0", ((Map<?, ?>) ((List<?>) view.get("instances")).get(1)).get("instanceId"));
    }

    private static Map<?, ?> withoutNulls(Map<?, ?> map) {
        Map<Object, Object> kept = new java.util.HashMap<>(map);
        kept.values().removeIf(java.util.Objects::isNull);
        return kept;
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
