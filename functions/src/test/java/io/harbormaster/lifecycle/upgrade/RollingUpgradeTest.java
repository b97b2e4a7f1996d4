package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.audit.AuditKind;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.testsupport.InMemoryImageCatalog;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemoryUpgradeQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rolling upgrade end to end on the in-memory ports: the upgrade worker and the drain worker take turns on their
 * queues (on a test clock), and a small model of the VMs lets upgraded or surged instances join (or not).
 */
class RollingUpgradeTest extends InMemoryUpgradeRun {
    @Test
    void atTheMaximumEachAgentIsDrainedUpgradedAndBackInTurn() {
        agents(2);
        scaleSet.changeModel();
        UpgradeControl.Result started = control.start("test");
        assertTrue(started.changed());
        assertEquals(2, started.status().orElseThrow().entries().size());

        run(2, Duration.ofMinutes(10));

        UpgradeStatus done = stored();
        assertEquals(UpgradeStatus.State.DONE, done.state(), String.valueOf(done));
        assertEquals(List.of("beginManualUpgrade", "beginManualUpgrade"), scaleSet.calls().stream()
                .map(InMemoryScaleSet.Call::method).filter(m -> m.startsWith("beginManual") || m.startsWith("beginSet"))
                .toList(), "no surge at the maximum");
        assertTrue(scaleSet.instances().stream().allMatch(ScaleSetInstance::latestModelApplied));
        assertEquals(2, scaleSet.instances().size());
        // One at a time: the second was drained only once the first was back.
        Instant firstDone = done.entries().get(0).phaseSince();
        Instant secondDrain = audit.all().stream().filter(e -> e.kind() == AuditKind.DRAIN_STATE
                && e.subject().equals("agents000001")).findFirst().orElseThrow().at();
        assertFalse(secondDrain.isBefore(firstDone), "second drained at " + secondDrain + ", first back at " + firstDone);
        assertTrue(audit.all().stream().anyMatch(e -> e.kind() == AuditKind.UPGRADE
                && "rejoining".equals(e.details().get("to"))));
    }

    @Test
    void aNewerImageUnderALatestModelReimagesEachAgentInTurnReadingTheImageListOnlyAtTheStart() {
        agents(2);
        scaleSet.runImage("24.04.202409");
        InMemoryImageCatalog images = new InMemoryImageCatalog().publish("24.04.202410");
        scaleSet.reimagesInstall("24.04.202410");
        UpgradeControl withImages = new UpgradeControl(scaleSet, images, store, queue, clock, audit);

        UpgradeStatus started = withImages.start("test").status().orElseThrow();
        assertEquals("24.04.202410", started.imageVersion());
        assertEquals(List.of("reimage", "reimage"), started.entries().stream().map(UpgradeEntry::method).toList());
        run(2, Duration.ofMinutes(10));

        assertEquals(UpgradeStatus.State.DONE, stored().state(), String.valueOf(stored()));
        assertEquals(2, scaleSet.count("beginReimage"));
        assertEquals(0, scaleSet.count("beginManualUpgrade"));
        assertTrue(scaleSet.instances().stream().allMatch(i -> i.imageVersion().equals("24.04.202410")));
        assertEquals(1, images.reads(), "the passes list no image versions: the start stored the newest");
        assertFalse(withImages.start("test").changed(), "every instance runs the newest image now");
    }

    @Test
    void belowTheMaximumEachAgentIsReplacedByASurgedOneAndDeleted() {
        agents(2);
        scaleSet.changeModel();
        control.start("test");

        run(3, Duration.ofMinutes(10));

        UpgradeStatus done = stored();
        assertEquals(UpgradeStatus.State.DONE, done.state(), String.valueOf(done));
        assertEquals(2, scaleSet.instances().size(), "each surge's old instance is deleted: " + scaleSet.instances());
        assertTrue(scaleSet.instances().stream().allMatch(ScaleSetInstance::latestModelApplied));
        assertEquals(0, scaleSet.count("beginManualUpgrade"));
        assertTrue(done.entries().stream().allMatch(entry -> entry.outcome().startsWith("replaced by instance")),
                String.valueOf(done.entries()));
    }

    @Test
    void aNodeThatDoesNotComeBackPausesTheUpgradeAndResumingAfterTheFixCompletesIt() {
        agents(2);
        scaleSet.changeModel();
        control.start("test");
        hostsWork = false;

        run(2, Duration.ofMinutes(20));

        UpgradeStatus paused = stored();
        assertEquals(UpgradeStatus.State.PAUSED, paused.state());
        assertTrue(paused.pausedBecause().contains("agents000000") && paused.pausedBecause().contains("did not rejoin"),
                paused.pausedBecause());
        assertEquals(UpgradePhase.PENDING, paused.entries().get(1).phase(), "the next one was not started");
        assertTrue(queue.waiting().isEmpty(), "a paused upgrade sends no follow-up");

        hostsWork = true; // the host is fixed
        assertTrue(control.resume("test").changed());
        run(2, Duration.ofMinutes(10));

        assertEquals(UpgradeStatus.State.DONE, stored().state(), String.valueOf(stored()));
        assertTrue(scaleSet.instances().stream().allMatch(ScaleSetInstance::latestModelApplied));
    }

    @Test
    void pauseStopsTheChainAndStartAnswersTheUpgradeUnderWay() {
        agents(2);
        scaleSet.changeModel();
        String id = control.start("test").status().orElseThrow().upgradeId();
        UpgradeControl.Result again = control.start("test");
        assertFalse(again.changed());
        assertEquals(id, again.status().orElseThrow().upgradeId());

        assertTrue(control.pause("test").changed());
        assertFalse(control.pause("test").changed());
        run(2, Duration.ofMinutes(1));
        assertEquals(UpgradePhase.PENDING, stored().entries().get(0).phase(), "the queued pass found it paused");
        assertEquals(0, scaleSet.count("beginManualUpgrade"));
    }

    @Test
    void nothingIsStartedWhenEveryInstanceIsOnTheLatestModel() {
        agents(2);
        UpgradeControl.Result result = control.start("test");
        assertFalse(result.changed());
        assertTrue(result.status().isEmpty());
        assertTrue(queue.waiting().isEmpty());
        assertThrows(UpgradeControl.NotApplicable.class, () -> control.pause("test"));
        assertThrows(UpgradeControl.NotApplicable.class, () -> control.resume("test"));
    }

    @Test
    void theAutomaticStartNeedsAnInstanceBehindTheModel() {
        agents(2);
        assertTrue(control.startIfBehind(scaleSet.instances()).isEmpty());
        scaleSet.changeModel();
        assertTrue(control.startIfBehind(scaleSet.instances()).isPresent());
        assertTrue(control.startIfBehind(scaleSet.instances()).isEmpty(), "one is under way");
    }

    /**
     * A pass's message lost (the queue took it and nothing ran it): the capacity timer's backstop queues the step again
     * once the status has not moved for the stall timeout, not before, and the upgrade completes.
     */
    @Test
    void aLostChainOfMessagesIsQueuedAgainByTheBackstopAndTheUpgradeCompletes() {
        agents(2);
        scaleSet.changeModel();
        control.start("test");
        run(2, Duration.ofSeconds(3));
        assertEquals(UpgradeStatus.State.RUNNING, stored().state());
        while (queue.takeNextDue().isPresent() || !queue.waiting().isEmpty()) {
            clock.advance(Duration.ofSeconds(1)); // every message of the chain is lost
        }
        Duration stalledAfter = UpgradeControl.stalledAfter(CHECK);
        assertTrue(control.requeueIfStalled(stalledAfter).isEmpty(), "moved recently: nothing is queued");
        assertTrue(queue.waiting().isEmpty());
        clock.advance(stalledAfter);
        assertTrue(control.requeueIfStalled(stalledAfter).isPresent());
        assertEquals(1, queue.waiting().size());

        run(2, Duration.ofMinutes(5));
        assertEquals(UpgradeStatus.State.DONE, stored().state());
        assertTrue(scaleSet.instances().stream().allMatch(ScaleSetInstance::latestModelApplied));
        assertTrue(control.requeueIfStalled(stalledAfter).isEmpty(), "a finished upgrade is left alone");
    }

    @Test
    void aDuplicateMessageActsOnce() {
        agents(2);
        scaleSet.changeModel();
        control.start("test");
        InMemoryUpgradeQueue.Sent first = queue.takeNextDue().orElseThrow();
        UpgradeWorker worker = upgradeWorker(2);
        assertEquals(UpgradeWorker.Outcome.CHECK_SCHEDULED, worker.handle(first.text(), first.id()));
        int writes = store.writes();
        assertEquals(UpgradeWorker.Outcome.STALE, worker.handle(first.text(), "another-delivery"));
        assertEquals(writes, store.writes());
    }
}
