package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.capacity.Pool;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.testsupport.InMemoryImageCatalog;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A gallery image under {@code latest}: instances report no {@code exactVersion}, so the running version comes from
 * the OS disks the catalog reads, else from what the last upgrade recorded; a version nobody knows counts as behind
 * on the operator's start only, and the upgrade then records it.
 */
class GalleryImageUpgradeTest extends InMemoryUpgradeRun {
    private final InMemoryImageCatalog gallery = new InMemoryImageCatalog().publish("2.0.0");
    private final UpgradeControl withGallery = new UpgradeControl(scaleSet, gallery, store, queue, clock, audit);

    private List<String> methods(UpgradeStatus status) {
        return status.entries().stream().map(entry -> entry.instanceId() + ":" + entry.method()).toList();
    }

    @Test
    void disksThatShowTheirVersionChooseTheInstancesBehindForEitherStart() {
        agents(3);
        gallery.galleryDisks(Map.of("0", "1.0.0", "1", "2.0.0", "2", "1.10.0"));
        assertEquals(List.of("0:reimage", "2:reimage"), methods(withGallery.startIfBehind(scaleSet.instances())
                .orElseThrow()), "the automatic start compares known versions");
        assertEquals("2.0.0", stored().imageVersion());
    }

    @Test
    void unknownVersionsAreReimagedOnTheOperatorsStartOnlyAndTheRecordThenKnowsThem() {
        agents(2);
        images = gallery.galleryDisks(Map.of());
        assertTrue(withGallery.startIfBehind(scaleSet.instances()).isEmpty(),
                "automatic: an unknown version is not behind, or every new version would reimage all again");

        UpgradeStatus started = withGallery.start("operator").status().orElseThrow();
        assertEquals(List.of("0:reimage", "1:reimage"), methods(started));
        run(2, Duration.ofMinutes(30));
        UpgradeStatus done = stored();
        assertTrue(done.finished(), done.toString());
        assertEquals(2, scaleSet.count("beginReimage"), "the pass kept them behind until reimaged");
        assertTrue(done.entries().stream().allMatch(entry -> entry.outcome().startsWith("upgraded (reimage)")),
                done.entries().toString());

        assertFalse(withGallery.start("operator").changed(), "the record says both run 2.0.0");
        gallery.publish("2.1.0");
        assertEquals(List.of("0:reimage", "1:reimage"), methods(withGallery.start("operator").status().orElseThrow()),
                "2.0.0 on record is older than 2.1.0");
    }

    @Test
    void aManualUpgradesInstanceOfUnknownVersionIsDoneOnceBackNotReimagedToo() {
        agents(1);
        images = gallery.galleryDisks(Map.of());
        scaleSet.changeModel();
        UpgradeStatus started = withGallery.start("operator").status().orElseThrow();
        assertEquals(List.of("0:manualUpgrade"), methods(started));
        run(1, Duration.ofMinutes(30));
        assertTrue(stored().finished(), stored().toString());
        assertEquals(0, scaleSet.count("beginReimage"));
        assertTrue(stored().entries().get(0).outcome().startsWith("upgraded (manualUpgrade)"), stored().toString());
    }

    @Test
    void aMarketplaceImagesInstancesShowTheirVersionSoNoDiskIsRead() {
        agents(2);
        scaleSet.runImage("1.0.0");
        assertEquals(List.of("0:reimage", "1:reimage"), methods(withGallery.start("operator").status().orElseThrow()));
        assertEquals(0, gallery.diskReads());
    }

    @Test
    void theDiskOutranksTheRecordAndTheListingOutranksBoth() {
        ScaleSetInstance listed = new ScaleSetInstance("0", "agents000000", ScaleSetInstance.PowerState.RUNNING,
                "Succeeded", T0, false, null, true, "3.0.0");
        ScaleSetInstance bare = new ScaleSetInstance("1", "agents000001", ScaleSetInstance.PowerState.RUNNING,
                "Succeeded", T0, false, null, true, null);
        ScaleSetInstance recordedOnly = new ScaleSetInstance("2", "agents000002", ScaleSetInstance.PowerState.RUNNING,
                "Succeeded", T0, false, null, true, null);
        List<ScaleSetInstance> resolved = RunningImages.resolve(List.of(listed, bare, recordedOnly),
                Map.of("0", "1.0.0", "1", "2.0.0"), Map.of("1", "1.5.0", "2", "1.5.0"));
        assertEquals(List.of("3.0.0", "2.0.0", "1.5.0"), resolved.stream().map(ScaleSetInstance::imageVersion).toList());

        UpgradeStatus status = UpgradeStatus.started("u", "op", T0, List.of(
                UpgradeEntry.pending("0", "a", UpgradeEntry.REIMAGE).in(UpgradePhase.REJOINING, T0),
                UpgradeEntry.pending("1", "b", UpgradeEntry.REIMAGE).in(UpgradePhase.UPGRADE_REQUESTED, T0),
                UpgradeEntry.pending("2", "c", UpgradeEntry.MANUAL_UPGRADE).in(UpgradePhase.REJOINING, T0),
                UpgradeEntry.pending("3", "d", UpgradeEntry.REIMAGE).done("up to date already", T0)),
                List.of(new UpgradeStatus.PoolTarget(Pool.DEFAULT_NAME, "2.0.0")));
        assertEquals(Map.of("0", "2.0.0"), RunningImages.recorded(status, Pool.DEFAULT_NAME),
                "a reimage sent counts; one only intended, a manualUpgrade, or one found current does not");
        assertEquals(Set.of(), RunningImages.recorded(UpgradeStatus.started("u", "op", T0, status.entries()),
                Pool.DEFAULT_NAME).keySet());
        assertEquals(Map.of(), RunningImages.recorded(status, "gpu"), "another pool's record is its own");
    }
}
