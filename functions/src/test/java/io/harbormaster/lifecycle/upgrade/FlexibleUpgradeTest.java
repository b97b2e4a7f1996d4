package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.audit.AuditKind;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.testsupport.InMemoryImageCatalog;
import io.harbormaster.testsupport.InMemoryScaleSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rolling upgrade of a Flexible pool on the in-memory ports: each VM replaced (surged, or drained with delete first
 * at the maximum and added back), never upgraded in place; the upgrade and drain workers take turns on their queues.
 */
class FlexibleUpgradeTest extends InMemoryUpgradeRun {

    private void twoFlexibleVmsBehindTheModelUpgradeStarted() {
        agents(2);
        scaleSet.flexible();
        scaleSet.changeModel();
        assertTrue(control.start("test").changed());
    }

    private List<String> scaleSetWrites() {
        return scaleSet.calls().stream().map(InMemoryScaleSet.Call::method)
                .filter(m -> m.startsWith("begin") || m.equals("deleteInstances")).toList();
    }

    @Test
    void belowTheMaximumEachVmIsReplacedByASurgedOneAndDeletedNeverUpgradedInPlace() {
        twoFlexibleVmsBehindTheModelUpgradeStarted();

        run(3, Duration.ofMinutes(10));

        UpgradeStatus done = stored();
        assertEquals(UpgradeStatus.State.DONE, done.state(), String.valueOf(done));
        assertEquals(List.of("replace", "replace"), done.entries().stream().map(UpgradeEntry::method).toList());
        assertTrue(done.entries().stream().allMatch(entry -> entry.outcome().startsWith("replaced by instance")),
                String.valueOf(done.entries()));
        assertEquals(2, scaleSet.instances().size(), "each surge's old VM is deleted: " + scaleSet.instances());
        assertTrue(scaleSet.instances().stream().allMatch(ScaleSetInstance::latestModelApplied));
        assertEquals(0, scaleSet.count("beginManualUpgrade") + scaleSet.count("beginReimage"));
        assertEquals(Set.of("2", "3"), new HashSet<>(scaleSet.instances().stream().map(ScaleSetInstance::instanceId).toList()));
    }

    @Test
    void atTheMaximumEachVmIsDrainedWithDeleteFirstThenOneIsAddedBackAndWaitedFor() {
        twoFlexibleVmsBehindTheModelUpgradeStarted();

        run(2, Duration.ofMinutes(10));

        UpgradeStatus done = stored();
        assertEquals(UpgradeStatus.State.DONE, done.state(), String.valueOf(done));
        assertTrue(done.entries().stream().allMatch(entry -> entry.outcome().startsWith("drained, deleted and replaced")),
                String.valueOf(done.entries()));
        // Never above the maximum: each delete comes before the capacity goes back up.
        List<String> writes = scaleSetWrites().stream().filter(m -> !m.equals("beginDeallocate")).toList();
        assertEquals(List.of("beginDeleteInstances", "beginSetCapacity", "beginDeleteInstances", "beginSetCapacity"),
                writes.stream().map(m -> m.equals("deleteInstances") ? "beginDeleteInstances" : m).toList());
        assertEquals(2, scaleSet.capacity());
        assertTrue(scaleSet.instances().stream().allMatch(ScaleSetInstance::latestModelApplied));
        // Each new VM's node was Ready before the next old one was drained.
        Instant firstDone = done.entries().get(0).phaseSince();
        Instant secondDrain = audit.all().stream().filter(e -> e.kind() == AuditKind.DRAIN_STATE
                && e.subject().equals("agents000001")).findFirst().orElseThrow().at();
        assertFalse(secondDrain.isBefore(firstDone), "second drained at " + secondDrain + ", first done at " + firstDone);
        assertTrue(audit.all().stream().anyMatch(e -> e.kind() == AuditKind.UPGRADE
                && "refill-requested".equals(e.details().get("to"))));
    }

    @Test
    void aReplacementThatDoesNotJoinPausesAtTheRejoinTimeout() {
        twoFlexibleVmsBehindTheModelUpgradeStarted();
        hostsWork = false;

        run(2, Duration.ofMinutes(30));

        UpgradeStatus paused = stored();
        assertEquals(UpgradeStatus.State.PAUSED, paused.state(), String.valueOf(paused));
        assertTrue(paused.pausedBecause().contains("did not join the swarm within 300 s"), paused.pausedBecause());
        assertEquals(UpgradePhase.REFILLING, paused.entries().get(0).phase());
        assertEquals(UpgradePhase.PENDING, paused.entries().get(1).phase(), "the next VM waits");

        hostsWork = true;
        control.resume("test");
        run(2, Duration.ofMinutes(10));
        assertEquals(UpgradeStatus.State.DONE, stored().state(), String.valueOf(stored()));
    }

    @Test
    void aNewerImageUnderALatestModelReplacesEachVmRunningAnOlderOne() {
        agents(2);
        scaleSet.flexible();
        scaleSet.runImage("24.04.202409");
        InMemoryImageCatalog images = new InMemoryImageCatalog().publish("24.04.202410");
        scaleSet.reimagesInstall("24.04.202410");
        UpgradeControl withImages = new UpgradeControl(scaleSet, images, store, queue, clock, audit);
        assertTrue(withImages.start("test").changed());

        run(3, Duration.ofMinutes(10));

        assertEquals(UpgradeStatus.State.DONE, stored().state(), String.valueOf(stored()));
        assertEquals(0, scaleSet.count("beginReimage"));
        assertTrue(scaleSet.instances().stream().allMatch(i -> "24.04.202410".equals(i.imageVersion())),
                String.valueOf(scaleSet.instances()));
        assertFalse(withImages.start("test").changed(), "every VM runs the newest image now");
    }
}
