package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.audit.AuditKind;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainWorker;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.testsupport.InMemoryAuditTrail;
import io.harbormaster.testsupport.InMemoryDrainQueue;
import io.harbormaster.testsupport.InMemoryDrainStatusStore;
import io.harbormaster.testsupport.InMemoryImageCatalog;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.InMemoryUpgradeQueue;
import io.harbormaster.testsupport.InMemoryUpgradeStore;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rolling upgrade end to end on the in-memory ports: the upgrade worker and the drain worker take turns on their
 * queues (on a test clock), and a small model of the VMs lets upgraded or surged instances join (or not).
 */
class RollingUpgradeTest {
    private static final Instant T0 = Instant.parse("2026-12-06T20:00:00Z");
    private static final Duration CHECK = Duration.ofSeconds(2);
    private static final DrainSettings DRAIN = new DrainSettings(CHECK, Duration.ofMinutes(10), Duration.ofMinutes(30),
            Duration.ofMinutes(15), Duration.ofDays(7));

    private final MutableClock clock = new MutableClock(T0);
    private final InMemorySwarm swarm = new InMemorySwarm(clock);
    private final InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);
    private final InMemoryDrainStatusStore drainStatuses = new InMemoryDrainStatusStore();
    private final InMemoryDrainQueue drainQueue = new InMemoryDrainQueue(clock);
    private final InMemoryUpgradeStore store = new InMemoryUpgradeStore();
    private final InMemoryUpgradeQueue queue = new InMemoryUpgradeQueue(clock);
    private final InMemoryAuditTrail audit = new InMemoryAuditTrail();
    private final DrainRequests drains = new DrainRequests(swarm, drainStatuses, drainQueue, DRAIN, Optional.of(scaleSet),
            clock, audit);
    private final UpgradeControl control = new UpgradeControl(scaleSet, store, queue, clock, audit);
    /** Whether an upgraded or surged VM boots and joins; false is a host that does not come back. */
    private boolean hostsWork = true;
    private final Set<String> upgradesSeen = new HashSet<>();

    private DrainWorker drainWorker(int maxAgents) {
        return new DrainWorker(swarm, drainStatuses, drainQueue, Optional.of(scaleSet), DRAIN, clock, maxAgents, audit);
    }

    private UpgradeWorker upgradeWorker(int maxAgents) {
        return new UpgradeWorker(swarm, scaleSet, drains, store, queue,
                new UpgradeProgress.Pacing(1, Duration.ofMinutes(5), CHECK), maxAgents, Set::of, clock, audit);
    }

    private void agents(int count) {
        for (int i = 0; i < count; i++) {
            ScaleSetInstance instance = scaleSet.addInstance(String.format("agents%06d", i));
            swarm.addWorker(instance.computerName());
        }
        swarm.addManager("manager-0");
    }

    /** Runs both workers on their due messages, the clock jumping to the next one, until the upgrade stops or time is up. */
    private void run(int maxAgents, Duration atMost) {
        DrainWorker drainWorker = drainWorker(maxAgents);
        UpgradeWorker upgradeWorker = upgradeWorker(maxAgents);
        Instant end = clock.instant().plus(atMost);
        while (clock.instant().isBefore(end)) {
            // Each delivery takes a little time, as the queue trigger's polling does.
            clock.advance(Duration.ofMillis(200));
            vms();
            Optional<InMemoryDrainQueue.Sent> drain = drainQueue.takeNextDue();
            if (drain.isPresent()) {
                drainWorker.handle(drain.get().text(), drain.get().id());
                continue;
            }
            Optional<InMemoryUpgradeQueue.Sent> pass = queue.takeNextDue();
            if (pass.isPresent()) {
                upgradeWorker.handle(pass.get().text(), pass.get().id());
                continue;
            }
            if (queue.waiting().isEmpty() && drainQueue.waiting().isEmpty()) {
                return;
            }
            clock.advance(Duration.ofSeconds(1));
        }
    }

    /** The VMs: an upgraded one goes down and comes back as a new node of its name; a surged one joins. */
    private void vms() {
        for (InMemoryScaleSet.Call call : scaleSet.calls()) {
            boolean upgrade = call.method().equals("beginManualUpgrade") || call.method().equals("beginReimage");
            String id = upgrade ? (String) call.arguments().get(0) : null;
            if (id != null && upgradesSeen.add(id)) {
                String name = scaleSet.instances().stream().filter(i -> i.instanceId().equals(id)).findFirst()
                        .orElseThrow().computerName();
                swarm.nodes().stream().filter(node -> node.hostname().equals(name))
                        .forEach(node -> swarm.setNodeState(node.id(), Node.State.DOWN));
            }
        }
        if (!hostsWork) {
            return;
        }
        for (ScaleSetInstance instance : scaleSet.instances()) {
            boolean live = swarm.nodes().stream().anyMatch(node -> node.hostname().equals(instance.computerName())
                    && node.state() == Node.State.READY);
            if (!live && instance.latestModelApplied()) {
                swarm.addNode(new Node("id-" + instance.computerName() + "-" + clock.instant().getEpochSecond(), 1,
                        instance.computerName(), SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY, Map.of(),
                        InMemorySwarm.AGENT, clock.instant()));
            }
        }
    }

    private UpgradeStatus stored() {
        return store.read().orElseThrow().status();
    }

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
