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
 * The rolling upgrade of a Flexible pool on the in-memory ports: each VM replaced (surged, or drained with delete first
 * at the maximum and added back), never upgraded in place; the upgrade and drain workers take turns on their queues.
 */
class FlexibleUpgradeTest {
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


    private List<String> scaleSetWrites() {
        return scaleSet.calls().stream().map(InMemoryScaleSet.Call::method)
                .filter(m -> m.startsWith("begin") || m.equals("deleteInstances")).toList();
    }

    @Test
    void belowTheMaximumEachVmIsReplacedByASurgedOneAndDeletedNeverUpgradedInPlace() {
        agents(2);
        scaleSet.flexible();
        scaleSet.changeModel();
        control.start("test");

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
        agents(2);
        scaleSet.flexible();
        scaleSet.changeModel();
        control.start("test");

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
        agents(2);
        scaleSet.flexible();
        scaleSet.changeModel();
        control.start("test");
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
