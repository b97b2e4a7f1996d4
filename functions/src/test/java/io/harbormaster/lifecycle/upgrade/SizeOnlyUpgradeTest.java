package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.drain.DrainProgress;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.SwarmRole;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A size-only model change: manualUpgrade restarts the VM on its old disk, and its node may come back under its old id,
 * still drained from before the upgrade. The upgrade takes that node back (making it active again, its intent on
 * record first) instead of waiting for a new node id until the timeout.
 */
class SizeOnlyUpgradeTest {
    private static final Instant NOW = Instant.parse("2026-12-06T20:00:00Z");
    private static final UpgradeProgress.Pacing PACING = new UpgradeProgress.Pacing(1, Duration.ofMinutes(10),
            Duration.ofSeconds(2));
    private static final String DRAIN_ID = "drain-1";

    private static ScaleSetInstance instance(String provisioningState) {
        return new ScaleSetInstance("0", "agent000000", ScaleSetInstance.PowerState.RUNNING, provisioningState,
                NOW.minus(Duration.ofDays(1)), false, "vm-0", true, "1.0.0");
    }

    private static Node oldNode(Node.State state, Node.Availability availability, String drainLabel) {
        return new Node("old-node", 7, "agent000000", SwarmRole.WORKER, availability, state,
                drainLabel == null ? Map.of() : Map.of(DrainProgress.REQUEST_LABEL, drainLabel),
                new Resources(2_000_000_000L, 8L << 30), NOW.minus(Duration.ofDays(1)));
    }

    /** Upgraded, its old node seen down since (as a pass records it). */
    private static UpgradeEntry rejoining(UpgradePhase phase, Instant since) {
        return notSeenDown(phase, since).withOldNodeWentDown();
    }

    private static UpgradeEntry notSeenDown(UpgradePhase phase, Instant since) {
        return UpgradeEntry.pending("0", "agent000000", UpgradeEntry.MANUAL_UPGRADE).withOldNode("old-node")
                .withDrain(DRAIN_ID).in(phase, since);
    }

    private static UpgradeProgress.Decision next(UpgradeEntry entry, ScaleSetInstance instance, Node node) {
        UpgradeSnapshot snapshot = new UpgradeSnapshot(new ScaleSetModel("/id", "agents", 1, "Standard_D4s_v5",
                ScaleSetModel.OrchestrationMode.UNIFORM, "Succeeded", "\"3\""), List.of(instance), List.of(node),
                List.of(), Optional.empty(), Set.of(), 1);
        return UpgradeProgress.next(UpgradeStatus.started("u1", "test", NOW.minusSeconds(60), List.of(entry)), snapshot,
                PACING, NOW);
    }

    @Test
    void theOldNodeBackAndDrainedByTheUpgradeIsMadeActiveWithItsIntentOnRecord() {
        UpgradeProgress.Decision decision = next(rejoining(UpgradePhase.REJOINING, NOW.minusSeconds(20)),
                instance("Succeeded"), oldNode(Node.State.READY, Node.Availability.DRAIN, DRAIN_ID));

        assertEquals(new UpgradeAction.Reactivate("0", "old-node"), decision.action());
        UpgradeEntry entry = decision.status().entries().get(0);
        assertEquals(UpgradePhase.REACTIVATING, entry.phase(), "on record before the node is touched");
        assertEquals(NOW, entry.phaseSince());
    }

    @Test
    void aReactivationThatDidNotLandIsSentAgainAndOnceActiveTheInstanceIsDone() {
        UpgradeEntry reactivating = rejoining(UpgradePhase.REACTIVATING, NOW.minusSeconds(4));
        assertEquals(new UpgradeAction.Reactivate("0", "old-node"), next(reactivating, instance("Succeeded"),
                oldNode(Node.State.READY, Node.Availability.DRAIN, DRAIN_ID)).action(), "a redelivered pass");

        UpgradeProgress.Decision done = next(reactivating, instance("Succeeded"),
                oldNode(Node.State.READY, Node.Availability.ACTIVE, null));
        assertInstanceOf(UpgradeAction.Stop.class, done.action());
        assertEquals(UpgradeStatus.State.DONE, done.status().state());
        assertTrue(done.status().entries().get(0).outcome().contains("old-node is back"),
                done.status().entries().get(0).outcome());
    }

    @Test
    void theOldNodeIsNotTakenBackWhileTheRestartMayNotHaveHappened() {
        Node drained = oldNode(Node.State.READY, Node.Availability.DRAIN, DRAIN_ID);
        assertInstanceOf(UpgradeAction.Wait.class, next(rejoining(UpgradePhase.REJOINING, NOW.minusSeconds(20)),
                instance("Updating"), drained).action(), "ARM's operation is not over");

        // RollingUpgradeIT found this one: a new disk that never booted, its old node not yet marked down by swarm.
        UpgradeProgress.Decision stale = next(notSeenDown(UpgradePhase.REJOINING, NOW.minusSeconds(20)),
                instance("Succeeded"), drained);
        assertInstanceOf(UpgradeAction.Wait.class, stale.action(), "never seen down: the record may be stale");
        assertEquals(false, stale.status().entries().get(0).oldNodeWentDown());
    }

    @Test
    void aPassThatSeesTheOldNodeDownRecordsIt() {
        UpgradeProgress.Decision down = next(notSeenDown(UpgradePhase.REJOINING, NOW.minusSeconds(20)),
                instance("Succeeded"), oldNode(Node.State.DOWN, Node.Availability.DRAIN, DRAIN_ID));
        assertInstanceOf(UpgradeAction.Wait.class, down.action(), "a new node of its name may still join");
        assertTrue(down.status().entries().get(0).oldNodeWentDown());
        assertTrue(UpgradeCodec.status(UpgradeCodec.status(down.status())).entries().get(0).oldNodeWentDown(), "stored");
    }

    @Test
    void anOldNodeDrainedBySomeoneElseIsLeftAsItIsAndTheTimeoutSaysSo() {
        Node theirs = oldNode(Node.State.READY, Node.Availability.DRAIN, "someone-elses-drain");
        assertInstanceOf(UpgradeAction.Wait.class, next(rejoining(UpgradePhase.REJOINING, NOW.minusSeconds(20)),
                instance("Succeeded"), theirs).action());

        UpgradeProgress.Decision timedOut = next(rejoining(UpgradePhase.REJOINING, NOW.minus(Duration.ofMinutes(10))),
                instance("Succeeded"), theirs);
        assertEquals(UpgradeStatus.State.PAUSED, timedOut.status().state());
        assertTrue(timedOut.status().pausedBecause().contains("drained by someone else"),
                timedOut.status().pausedBecause());
    }
}
