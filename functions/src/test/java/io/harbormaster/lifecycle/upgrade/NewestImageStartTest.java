package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.audit.AuditTrail;
import io.harbormaster.scaleset.ImageVersions;
import io.harbormaster.testsupport.InMemoryImageCatalog;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemoryUpgradeQueue;
import io.harbormaster.testsupport.InMemoryUpgradeStore;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Where "newest image" comes from: the operator's start reads the image catalog once and stores the version with the
 * upgrade; the automatic start (every capacity check) reads it at most once an hour, and a failed read only costs
 * the image case, never the check.
 */
class NewestImageStartTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T20:00:00Z"));
    private final InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);
    private final InMemoryImageCatalog images = new InMemoryImageCatalog();
    private final InMemoryUpgradeStore store = new InMemoryUpgradeStore();
    private final UpgradeControl control = new UpgradeControl(scaleSet, images, store,
            new InMemoryUpgradeQueue(clock), clock, AuditTrail.NONE);

    private void agents(String imageVersion) {
        scaleSet.addInstance("agents000000");
        scaleSet.addInstance("agents000001");
        scaleSet.runImage(imageVersion);
    }

    @Test
    void aPinnedModelOrTheNewestImageRunningEverywhereIsNothingToUpgrade() {
        agents("1.0.9");
        assertFalse(control.start("test").changed(), "the model pins its version: the catalog answers none");
        images.publish("1.0.9");
        assertFalse(control.start("test").changed());
        assertTrue(store.read().isEmpty());
    }

    @Test
    void theOperatorsStartReadsTheNewestAndStoresItWithTheUpgrade() {
        agents("1.0.9");
        images.publish("1.0.10");
        UpgradeStatus started = control.start("test").status().orElseThrow();
        assertEquals("1.0.10", started.imageVersion(), "1.0.10 is newer than 1.0.9 by parts, not by text");
        assertEquals(List.of(UpgradeEntry.REIMAGE, UpgradeEntry.REIMAGE),
                started.entries().stream().map(UpgradeEntry::method).toList());
        assertEquals("1.0.10", UpgradeCodec.status(UpgradeCodec.status(started)).imageVersion(), "stored");
        assertEquals(1, images.reads());
    }

    @Test
    void aModelChangeStartsWithoutAnImageVersion() {
        agents("1.0.9");
        scaleSet.changeModel();
        UpgradeStatus started = control.start("test").status().orElseThrow();
        assertNull(started.imageVersion());
        assertEquals(UpgradeEntry.MANUAL_UPGRADE, started.entries().get(0).method());
    }

    @Test
    void theAutomaticStartReadsTheCatalogAtMostOnceAnHour() {
        agents("1.0.9");
        assertTrue(control.startIfBehind(scaleSet.instances()).isEmpty());
        clock.advance(Duration.ofMinutes(30));
        images.publish("1.0.10");
        assertTrue(control.startIfBehind(scaleSet.instances()).isEmpty(), "the hour-old answer still stands");
        assertEquals(1, images.reads());

        clock.advance(Duration.ofMinutes(31));
        Optional<UpgradeStatus> started = control.startIfBehind(scaleSet.instances());
        assertEquals(Optional.of("1.0.10"), started.map(UpgradeStatus::imageVersion));
        assertEquals(2, images.reads(), "the start used the version it had just read");
    }

    @Test
    void aFailedReadCostsTheAutomaticStartOnlyTheImageCase() {
        agents("1.0.9");
        images.publish("1.0.10");
        images.failing(true);
        assertTrue(control.startIfBehind(scaleSet.instances()).isEmpty(), "no exception into the capacity check");
        scaleSet.changeModel();
        assertEquals(UpgradeEntry.MANUAL_UPGRADE, control.startIfBehind(scaleSet.instances()).orElseThrow().entries()
                .get(0).method(), "a model change still starts it");
    }

    @Test
    void imageVersionsCompareByParts() {
        assertEquals(Optional.of("1.0.10"), ImageVersions.newest(List.of("1.0.9", "1.0.10", "1.0.2")));
        assertEquals(Optional.empty(), ImageVersions.newest(List.of()));
    }
}
