package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequest;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ImageVersions;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.SwarmRole;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UpgradeProgressTest {
    private static final Instant NOW = Instant.parse("2026-12-06T20:00:00Z");
    private static final UpgradeProgress.Pacing PACING = new UpgradeProgress.Pacing(1, Duration.ofMinutes(10),
            Duration.ofSeconds(2));

    private final List<ScaleSetInstance> instances = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final List<DrainStatus> drains = new ArrayList<>();
    private long capacity = 2;
    private int maxAgents = 2;
    private Set<String> sharesNotBack = Set.of();
    private Optional<String> newestImage = Optional.empty();

    private ScaleSetInstance instance(String id, String name, boolean latest) {
        ScaleSetInstance instance = new ScaleSetInstance(id, name, ScaleSetInstance.PowerState.RUNNING, "Succeeded",
                NOW.minus(Duration.ofDays(1)), false, "vm-" + id, latest, "1.0.0");
        instances.add(instance);
        return instance;
    }

    private Node node(String id, String hostname, Node.State state, Node.Availability availability) {
        Node node = new Node(id, 1, hostname, SwarmRole.WORKER, availability, state, Map.of(),
                new Resources(2_000_000_000L, 8L << 30), NOW.minus(Duration.ofDays(1)));
        nodes.add(node);
        return node;
    }

    private DrainStatus drain(String requestId, String hostname, DrainState state, boolean finished, Instant drainedAt,
            boolean instanceDeleted) {
        DrainRequest request = new DrainRequest(requestId, hostname, "id-" + hostname, DrainReason.MANUAL, false,
                NOW.plus(Duration.ofMinutes(10)), NOW.minusSeconds(30), null);
        DrainStatus status = new DrainStatus(request, state, finished, 0, 0, false, instanceDeleted, null, null,
                drainedAt, null, 3, null, NOW);
        drains.add(status);
        return status;
    }

    private UpgradeSnapshot snapshot() {
        return new UpgradeSnapshot(new ScaleSetModel("/id", "agents", capacity, "Standard_D2s_v5",
                ScaleSetModel.OrchestrationMode.UNIFORM, "Succeeded", "\"7\""), instances, nodes, drains, newestImage,
                sharesNotBack, maxAgents);
    }

    private static UpgradeStatus status(UpgradeEntry... entries) {
        return UpgradeStatus.started("u1", "test", NOW.minusSeconds(60), List.of(entries));
    }

    private static UpgradeEntry in(UpgradeEntry entry, UpgradePhase phase, Instant since) {
        return entry.in(phase, since);
    }

    private UpgradeProgress.Decision next(UpgradeStatus status) {
        return UpgradeProgress.next(status, snapshot(), PACING, NOW);
    }

    @Test
    void atTheMaximumTheNodeIsDrainedInPlaceFirst() {
        instance("0", "agent000000", false);
        node("id-agent000000", "agent000000", Node.State.READY, Node.Availability.ACTIVE);
        UpgradeProgress.Decision decision = next(status(UpgradeEntry.pending("0", "agent000000", "manualUpgrade")));

        UpgradeAction.SubmitDrain drain = assertInstanceOf(UpgradeAction.SubmitDrain.class, decision.action());
        assertEquals("agent000000", drain.hostname());
        assertEquals(false, drain.deleteInstance());
        UpgradeEntry entry = decision.status().entries().get(0);
        assertEquals(UpgradePhase.DRAIN_REQUESTED, entry.phase());
        assertEquals("id-agent000000", entry.oldNodeId());
        assertEquals(NOW, entry.phaseSince());
    }

    /**
     * Just after an earlier upgrade, the VM's old node can still be listed, not yet down, beside the node its new disk
     * joined as: the drain goes to the newer one (RollingUpgradeIT's second case in CI).
     */
    @Test
    void theDrainGoesToTheNewestLiveNodeOfTheName() {
        instance("0", "agent000000", false);
        node("id-old", "agent000000", Node.State.READY, Node.Availability.DRAIN); // created a day ago
        nodes.add(new Node("id-new", 1, "agent000000", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY,
                Map.of(), new Resources(2_000_000_000L, 8L << 30), NOW.minusSeconds(20)));
        UpgradeProgress.Decision decision = next(status(UpgradeEntry.pending("0", "agent000000", "manualUpgrade")));

        assertInstanceOf(UpgradeAction.SubmitDrain.class, decision.action());
        assertEquals("id-new", decision.status().entries().get(0).oldNodeId());
    }

    @Test
    void belowTheMaximumAReplacementIsSurgedFirst() {
        instance("0", "agent000000", false);
        instance("1", "agent000001", false);
        node("id-agent000000", "agent000000", Node.State.READY, Node.Availability.ACTIVE);
        maxAgents = 3;
        UpgradeProgress.Decision decision = next(status(UpgradeEntry.pending("0", "agent000000", "manualUpgrade"),
                UpgradeEntry.pending("1", "agent000001", "manualUpgrade")));

        UpgradeAction.SetCapacity set = assertInstanceOf(UpgradeAction.SetCapacity.class, decision.action());
        assertEquals(3, set.capacity());
        assertEquals("\"7\"", set.etag());
        UpgradeEntry entry = decision.status().entries().get(0);
        assertEquals(UpgradePhase.SURGE_REQUESTED, entry.phase());
        assertEquals(Set.of("0", "1"), entry.instancesBefore());
        // The batch is one: the second waits.
        assertEquals(UpgradePhase.PENDING, decision.status().entries().get(1).phase());
    }

    @Test
    void theSurgedReplacementIsTheNewInstanceAndOnceReadyTheOldNodeIsDrainedAndDeleted() {
        instance("0", "agent000000", false);
        instance("2", "agent000002", true);
        capacity = 2;
        UpgradeEntry requested = in(UpgradeEntry.pending("0", "agent000000", "manualUpgrade")
                .withOldNode("id-agent000000").withSurge(2, Set.of("0")), UpgradePhase.SURGE_REQUESTED, NOW.minusSeconds(5));
        UpgradeProgress.Decision seen = next(status(requested));
        assertInstanceOf(UpgradeAction.Wait.class, seen.action());
        UpgradeEntry surging = seen.status().entries().get(0);
        assertEquals(UpgradePhase.SURGING, surging.phase());
        assertEquals("2", surging.replacementId());
        assertEquals("agent000002", surging.replacementName());

        node("id-agent000002", "agent000002", Node.State.READY, Node.Availability.ACTIVE);
        UpgradeProgress.Decision ready = next(seen.status());
        UpgradeAction.SubmitDrain drain = assertInstanceOf(UpgradeAction.SubmitDrain.class, ready.action());
        assertTrue(drain.deleteInstance(), "the old instance of a surge goes, as with MaxSurge");
        assertEquals("agent000000", drain.hostname());
    }

    @Test
    void aSurgeWhoseCapacityWriteWasLostIsSentAgain() {
        instance("0", "agent000000", false);
        capacity = 1;
        UpgradeEntry requested = in(UpgradeEntry.pending("0", "agent000000", "manualUpgrade").withSurge(2, Set.of("0")),
                UpgradePhase.SURGE_REQUESTED, NOW.minusSeconds(5));
        assertEquals(new UpgradeAction.SetCapacity(2, "\"7\""), next(status(requested)).action());
    }

    @Test
    void aDrainedNodeIsUpgradedByManualUpgradeOrReimage() {
        instance("0", "agent000000", false);
        node("id-agent000000", "agent000000", Node.State.READY, Node.Availability.DRAIN);
        drain("d1", "agent000000", DrainState.DRAINED, false, NOW.minusSeconds(1), false);
        UpgradeEntry draining = in(UpgradeEntry.pending("0", "agent000000", "manualUpgrade").withOldNode("id-agent000000")
                .withDrain("d1"), UpgradePhase.DRAINING, NOW.minusSeconds(10));
        UpgradeProgress.Decision decision = next(status(draining));
        assertEquals(new UpgradeAction.Upgrade("0", "manualUpgrade"), decision.action());
        assertEquals(UpgradePhase.UPGRADE_REQUESTED, decision.status().entries().get(0).phase());
    }

    @Test
    void aDrainStillMovingTasksIsWaitedFor() {
        instance("0", "agent000000", false);
        drain("d1", "agent000000", DrainState.DRAINING, false, null, false);
        UpgradeEntry draining = in(UpgradeEntry.pending("0", "agent000000", "manualUpgrade").withDrain("d1"),
                UpgradePhase.DRAINING, NOW.minusSeconds(10));
        assertEquals(new UpgradeAction.Wait(Duration.ofSeconds(2)), next(status(draining)).action());
    }

    @Test
    void aDrainReplacedByAnotherPausesTheUpgradeNamingTheOther() {
        instance("0", "agent000000", false);
        drain("d2", "agent000000", DrainState.DRAINING, false, null, false);
        UpgradeEntry draining = in(UpgradeEntry.pending("0", "agent000000", "manualUpgrade").withDrain("d1"),
                UpgradePhase.DRAINING, NOW.minusSeconds(10));
        UpgradeProgress.Decision decision = next(status(draining));
        assertInstanceOf(UpgradeAction.Stop.class, decision.action());
        assertEquals("the drain d1 of instance 0 (agent000000) is not on record (superseded by drain d2, manual, of node"
                + " id-agent000000)", decision.status().pausedBecause());
        drains.clear();
        assertTrue(next(status(draining)).status().pausedBecause().endsWith("(no drain of its name is stored)"));
    }

    @Test
    void aDrainThatEndsWithoutDrainingPausesTheUpgrade() {
        instance("0", "agent000000", false);
        drain("d1", "agent000000", DrainState.REACTIVATED, true, null, false);
        UpgradeEntry draining = in(UpgradeEntry.pending("0", "agent000000", "manualUpgrade").withDrain("d1"),
                UpgradePhase.DRAINING, NOW.minusSeconds(10));
        UpgradeProgress.Decision decision = next(status(draining));
        assertInstanceOf(UpgradeAction.Stop.class, decision.action());
        assertEquals(UpgradeStatus.State.PAUSED, decision.status().state());
        assertTrue(decision.status().pausedBecause().contains("reactivated"), decision.status().pausedBecause());
    }

    @Test
    void theUpgradedNodeIsDoneOnceANewNodeOfItsNameIsReadyAndTheUpgradeEndsWithTheLast() {
        instance("0", "agent000000", true);
        node("id-agent000000", "agent000000", Node.State.DOWN, Node.Availability.DRAIN);
        UpgradeEntry rejoining = in(UpgradeEntry.pending("0", "agent000000", "manualUpgrade").withOldNode("id-agent000000"),
                UpgradePhase.REJOINING, NOW.minusSeconds(20));
        assertInstanceOf(UpgradeAction.Wait.class, next(status(rejoining)).action(), "only the old node, down");

        node("id-new", "agent000000", Node.State.READY, Node.Availability.ACTIVE);
        UpgradeProgress.Decision decision = next(status(rejoining));
        assertInstanceOf(UpgradeAction.Stop.class, decision.action());
        assertEquals(UpgradeStatus.State.DONE, decision.status().state());
        assertEquals(UpgradePhase.DONE, decision.status().entries().get(0).phase());
        assertTrue(decision.status().entries().get(0).outcome().contains("id-new"));
    }

    @Test
    void aRejoinedNodeWhoseShareOfTasksIsNotBackIsWaitedFor() {
        instance("0", "agent000000", true);
        node("id-new", "agent000000", Node.State.READY, Node.Availability.ACTIVE);
        sharesNotBack = Set.of("id-new");
        UpgradeEntry rejoining = in(UpgradeEntry.pending("0", "agent000000", "manualUpgrade").withOldNode("id-old"),
                UpgradePhase.REJOINING, NOW.minusSeconds(20));
        assertInstanceOf(UpgradeAction.Wait.class, next(status(rejoining)).action());
    }

    @Test
    void aNodeThatDoesNotRejoinWithinTheTimeoutPausesTheUpgradeSayingWhy() {
        instance("0", "agent000000", true);
        UpgradeEntry rejoining = in(UpgradeEntry.pending("0", "agent000000", "manualUpgrade").withOldNode("id-old"),
                UpgradePhase.REJOINING, NOW.minus(Duration.ofMinutes(10)));
        UpgradeProgress.Decision decision = next(status(rejoining));
        assertInstanceOf(UpgradeAction.Stop.class, decision.action());
        assertEquals(UpgradeStatus.State.PAUSED, decision.status().state());
        assertTrue(decision.status().pausedBecause().startsWith("instance 0 (agent000000) did not rejoin the swarm within 600 s"),
                decision.status().pausedBecause());

        UpgradeEntry recent = in(rejoining, UpgradePhase.REJOINING, NOW.minus(Duration.ofMinutes(9)));
        assertInstanceOf(UpgradeAction.Wait.class, next(status(recent)).action());
    }

    @Test
    void anInstanceAlreadyUpToDateOrGoneIsDoneWithoutActions() {
        instance("0", "agent000000", true);
        UpgradeProgress.Decision decision = next(status(UpgradeEntry.pending("0", "agent000000", "manualUpgrade"),
                UpgradeEntry.pending("9", "agent000009", "manualUpgrade")));
        assertInstanceOf(UpgradeAction.Stop.class, decision.action());
        assertEquals(UpgradeStatus.State.DONE, decision.status().state());
        assertEquals("up to date already", decision.status().entries().get(0).outcome());
        assertEquals("gone before its upgrade", decision.status().entries().get(1).outcome());
    }

    @Test
    void anInstanceWithoutANodeIsUpgradedWithoutADrain() {
        instance("0", "agent000000", false);
        UpgradeProgress.Decision decision = next(status(UpgradeEntry.pending("0", "agent000000", "manualUpgrade")));
        assertEquals(new UpgradeAction.Upgrade("0", "manualUpgrade"), decision.action());
        assertNull(decision.status().entries().get(0).oldNodeId());
    }

    @Test
    void theBatchSizeBoundsHowManyAreUnderWay() {
        instance("0", "agent000000", false);
        instance("1", "agent000001", false);
        node("id-agent000001", "agent000001", Node.State.READY, Node.Availability.ACTIVE);
        drain("d0", "agent000000", DrainState.DRAINING, false, null, false);
        UpgradeEntry active = in(UpgradeEntry.pending("0", "agent000000", "manualUpgrade").withDrain("d0"),
                UpgradePhase.DRAINING, NOW.minusSeconds(3));
        UpgradeStatus status = status(active, UpgradeEntry.pending("1", "agent000001", "manualUpgrade"));
        assertInstanceOf(UpgradeAction.Wait.class, next(status).action(), "batch size 1: the second waits");

        UpgradeProgress.Decision two = UpgradeProgress.next(status, snapshot(),
                new UpgradeProgress.Pacing(2, Duration.ofMinutes(10), Duration.ofSeconds(2)), NOW);
        assertEquals(new UpgradeAction.SubmitDrain("1", "agent000001", false), two.action());
    }

    @Test
    void zonesGoOneAtATimeWhateverTheBatchSize() {
        instances.add(new ScaleSetInstance("0", "agent000000", ScaleSetInstance.PowerState.RUNNING, "Succeeded",
                NOW.minus(Duration.ofDays(1)), false, "vm-0", false, "1.0.0", "1"));
        instances.add(new ScaleSetInstance("1", "agent000001", ScaleSetInstance.PowerState.RUNNING, "Succeeded",
                NOW.minus(Duration.ofDays(1)), false, "vm-1", false, "1.0.0", "2"));
        instances.add(new ScaleSetInstance("2", "agent000002", ScaleSetInstance.PowerState.RUNNING, "Succeeded",
                NOW.minus(Duration.ofDays(1)), false, "vm-2", false, "1.0.0", "1"));
        node("id-agent000001", "agent000001", Node.State.READY, Node.Availability.ACTIVE);
        node("id-agent000002", "agent000002", Node.State.READY, Node.Availability.ACTIVE);
        drain("d0", "agent000000", DrainState.DRAINING, false, null, false);
        UpgradeEntry active = in(UpgradeEntry.pending("0", "agent000000", "manualUpgrade").withDrain("d0"),
                UpgradePhase.DRAINING, NOW.minusSeconds(3));
        UpgradeStatus status = status(active, UpgradeEntry.pending("1", "agent000001", "manualUpgrade"),
                UpgradeEntry.pending("2", "agent000002", "manualUpgrade"));

        UpgradeProgress.Decision next = UpgradeProgress.next(status, snapshot(),
                new UpgradeProgress.Pacing(3, Duration.ofMinutes(10), Duration.ofSeconds(2)), NOW);

        assertEquals(new UpgradeAction.SubmitDrain("2", "agent000002", false), next.action(),
                "instance 1 is in zone 2 and waits for zone 1 to be done; instance 2 shares zone 1's batch");
    }

    @Test
    void aNewerImageUnderALatestModelIsAReimage() {
        ScaleSetInstance current = instance("0", "agent000000", true);
        assertEquals(Optional.empty(), UpgradeSnapshot.upgradeMethod(current, Optional.of("1.0.0")));
        assertEquals(Optional.of("reimage"), UpgradeSnapshot.upgradeMethod(current, Optional.of("1.0.10")));
        assertEquals(Optional.of("manualUpgrade"), UpgradeSnapshot.upgradeMethod(current.withModel(false, "1.0.0"),
                Optional.of("1.0.10")), "a model change wins: manualUpgrade applies the new image too");
        assertTrue(ImageVersions.older("22.04.202401010", "22.04.202402010"));
        assertTrue(!ImageVersions.older("2.0.0", "1.9.9"));
    }

    @Test
    void aPausedUpgradeDoesNothing() {
        instance("0", "agent000000", false);
        UpgradeStatus paused = status(UpgradeEntry.pending("0", "agent000000", "manualUpgrade")).paused("by the operator");
        UpgradeProgress.Decision decision = next(paused);
        assertInstanceOf(UpgradeAction.Stop.class, decision.action());
        assertEquals(paused, decision.status());
    }

    @Test
    void theOldInstanceOfASurgeIsDoneOnceItsDrainDeletedIt() {
        instance("2", "agent000002", true);
        drain("d0", "agent000000", DrainState.REMOVED, true, NOW.minusSeconds(3), true);
        UpgradeEntry draining = in(UpgradeEntry.pending("0", "agent000000", "manualUpgrade").withSurge(2, Set.of("0"))
                .withReplacement("2", "agent000002").withDrain("d0"), UpgradePhase.DRAINING, NOW.minusSeconds(5));
        UpgradeProgress.Decision decision = next(status(draining));
        assertEquals(UpgradeStatus.State.DONE, decision.status().state());
        assertEquals("replaced by instance 2 (agent000002)", decision.status().entries().get(0).outcome());
    }
}
