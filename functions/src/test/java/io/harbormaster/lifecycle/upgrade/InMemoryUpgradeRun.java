package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.DrainSettings;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainWorker;
import io.harbormaster.scaleset.ImageCatalog;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.testsupport.InMemoryAuditTrail;
import io.harbormaster.testsupport.InMemoryDrainQueue;
import io.harbormaster.testsupport.InMemoryDrainStatusStore;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.InMemoryUpgradeQueue;
import io.harbormaster.testsupport.InMemoryUpgradeStore;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rolling upgrade end to end on the in-memory ports: the upgrade worker and the drain worker take turns on their
 * queues (on a test clock), and a small model of the VMs lets upgraded or surged instances join (or not).
 */
abstract class InMemoryUpgradeRun {
    static final Instant T0 = Instant.parse("2026-12-06T20:00:00Z");
    static final Duration CHECK = Duration.ofSeconds(2);
    static final DrainSettings DRAIN = new DrainSettings(CHECK, Duration.ofMinutes(10), Duration.ofMinutes(30),
            Duration.ofMinutes(15), Duration.ofDays(7));

    final MutableClock clock = new MutableClock(T0);
    final InMemorySwarm swarm = new InMemorySwarm(clock);
    /** The first pool's scale set (the single scale set's pool, "agents"). */
    final InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);
    /** A second pool's scale set, "gpu": empty unless a test gives it agents; its instance ids start at 0 too. */
    final InMemoryScaleSet gpu = new InMemoryScaleSet("gpu", clock);
    final InMemoryDrainStatusStore drainStatuses = new InMemoryDrainStatusStore();
    final InMemoryDrainQueue drainQueue = new InMemoryDrainQueue(clock);
    final InMemoryUpgradeStore store = new InMemoryUpgradeStore();
    final InMemoryUpgradeQueue queue = new InMemoryUpgradeQueue(clock);
    final InMemoryAuditTrail audit = new InMemoryAuditTrail();
    private final ScaleSet drainPort = drainPort();
    final DrainRequests drains = new DrainRequests(swarm, drainStatuses, drainQueue, DRAIN, Optional.of(drainPort),
            clock, audit);
    final UpgradeControl control = new UpgradeControl(scaleSet, store, queue, clock, audit);
    /** What the upgrade worker reads running image versions from; none unless a test sets one. */
    ImageCatalog images = ImageCatalog.NONE;
    /** Whether an upgraded or surged VM boots and joins; false is a host that does not come back. */
    boolean hostsWork = true;
    final Set<String> upgradesSeen = new HashSet<>();

    /**
     * The scale set drains find and delete instances through: the single one here; with pools, every pool's behind
     * one port, as ControlPlane builds it. Called while fields are set up: it may use only the fields above.
     */
    ScaleSet drainPort() {
        return scaleSet;
    }

    DrainWorker drainWorker(int maxAgents) {
        return new DrainWorker(swarm, drainStatuses, drainQueue, Optional.of(drainPort), DRAIN, clock,
                maxAgents, audit);
    }

    UpgradeWorker upgradeWorker(int maxAgents) {
        return new UpgradeWorker(swarm, scaleSet, images, drains, store, queue,
                new UpgradeProgress.Pacing(1, Duration.ofMinutes(5), CHECK), maxAgents, nodes -> Set.of(), clock, audit);
    }

    void agents(int count) {
        for (int i = 0; i < count; i++) {
            ScaleSetInstance instance = scaleSet.addInstance(String.format("agents%06d", i));
            swarm.addWorker(instance.computerName());
        }
        swarm.addManager("manager-0");
    }

    /** Runs both workers on their due messages, the clock jumping to the next one, until the upgrade stops or time is up. */
    void run(int maxAgents, Duration atMost) {
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

    /** The VMs of both pools: an upgraded one goes down and comes back as a new node of its name; a surged one joins. */
    void vms() {
        vms(scaleSet);
        vms(gpu);
    }

    private void vms(InMemoryScaleSet scaleSet) {
        for (InMemoryScaleSet.Call call : scaleSet.calls()) {
            boolean upgrade = call.method().equals("beginManualUpgrade") || call.method().equals("beginReimage");
            String id = upgrade ? (String) call.arguments().get(0) : null;
            if (id != null && upgradesSeen.add(scaleSet + "/" + id)) {
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

    UpgradeStatus stored() {
        return store.read().orElseThrow().status();
    }

}
