package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** The rolling upgrade's decision for a Flexible pool's VM, pure: replaced, never upgraded in place. */
class FlexibleReplacementTest {
    private static final Instant NOW = Instant.parse("2026-12-06T20:00:00Z");
    private static final UpgradeProgress.Pacing PACING = new UpgradeProgress.Pacing(1, Duration.ofMinutes(10),
            Duration.ofSeconds(2));

    private final List<ScaleSetInstance> instances = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private long capacity = 1;
    private int maxAgents = 1;

    private void vm(String name, String computerName, boolean onModel) {
        instances.add(new ScaleSetInstance(name, computerName, ScaleSetInstance.PowerState.RUNNING, "Succeeded",
                NOW.minus(Duration.ofDays(1)), false, "vm-" + name, onModel, "1.0.0"));
    }

    private void node(String id, String hostname) {
        nodes.add(new Node(id, 1, hostname, SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY, Map.of(),
                new Resources(2_000_000_000L, 8L << 30), NOW.minus(Duration.ofDays(1))));
    }

    private UpgradeProgress.Decision next(UpgradeEntry entry) {
        UpgradeSnapshot snapshot = new UpgradeSnapshot(new ScaleSetModel("/id", "flex", capacity, "Standard_D2s_v5",
                ScaleSetModel.OrchestrationMode.FLEXIBLE, "Succeeded", "\"3\""), instances, nodes, List.of(),
                Optional.empty(), Set.of(), maxAgents);
        return UpgradeProgress.next(UpgradeStatus.started("u1", "test", NOW.minusSeconds(60), List.of(entry)), snapshot,
                PACING, NOW);
    }

    private static UpgradeEntry only(UpgradeProgress.Decision decision) {
        return decision.status().entries().get(0);
    }

    @Test
    void belowTheMaximumAVmBehindIsSurgedAndMarkedReplace() {
        maxAgents = 2;
        vm("flex_a", "flex000000", false);
        node("n-a", "flex000000");

        UpgradeProgress.Decision decision = next(UpgradeEntry.pending("flex_a", "flex000000", UpgradeEntry.MANUAL_UPGRADE));

        assertEquals(new UpgradeAction.SetCapacity(2, "\"3\""), decision.action());
        assertEquals(UpgradePhase.SURGE_REQUESTED, only(decision).phase());
        assertEquals(UpgradeEntry.REPLACE, only(decision).method());
    }

    @Test
    void atTheMaximumItsNodeIsDrainedWithDeleteNeverUpgradedInPlace() {
        vm("flex_a", "flex000000", false);
        node("n-a", "flex000000");

        UpgradeProgress.Decision decision = next(UpgradeEntry.pending("flex_a", "flex000000", UpgradeEntry.REIMAGE));

        assertEquals(new UpgradeAction.SubmitDrain("flex_a", "flex000000", true), decision.action());
        assertEquals(UpgradePhase.DRAIN_REQUESTED, only(decision).phase());
    }

    @Test
    void onceTheDrainedVmIsGoneTheCapacityGoesBackUpWithTheVmsListedOnRecord() {
        capacity = 0;
        UpgradeEntry draining = UpgradeEntry.pending("flex_a", "flex000000", UpgradeEntry.REPLACE)
                .withDrain("d1").in(UpgradePhase.DRAINING, NOW.minusSeconds(20));

        UpgradeProgress.Decision decision = next(draining);

        assertEquals(new UpgradeAction.SetCapacity(1, "\"3\""), decision.action());
        assertEquals(UpgradePhase.REFILL_REQUESTED, only(decision).phase());
        assertEquals(Set.of(), only(decision).instancesBefore());
    }

    @Test
    void theNewVmIsWaitedForUntilItsNodeIsReadyThenTheEntryIsDone() {
        UpgradeEntry requested = UpgradeEntry.pending("flex_a", "flex000000", UpgradeEntry.REPLACE)
                .withSurge(1, Set.of()).in(UpgradePhase.REFILL_REQUESTED, NOW.minusSeconds(5));
        vm("flex_b", "flex000001", true);

        UpgradeEntry refilling = only(next(requested));
        assertEquals(UpgradePhase.REFILLING, refilling.phase());
        assertEquals("flex_b", refilling.replacementId());
        assertInstanceOf(UpgradeAction.Wait.class, next(refilling).action(), "no node yet");

        node("n-b", "flex000001");
        UpgradeProgress.Decision done = next(refilling);
        assertEquals(UpgradePhase.DONE, only(done).phase());
        assertTrue(only(done).outcome().startsWith("drained, deleted and replaced by instance flex_b"), only(done).outcome());
    }

    @Test
    void aNewVmThatDoesNotJoinInTimePausesSayingSo() {
        vm("flex_b", "flex000001", true);
        UpgradeEntry refilling = UpgradeEntry.pending("flex_a", "flex000000", UpgradeEntry.REPLACE)
                .withSurge(1, Set.of()).withReplacement("flex_b", "flex000001")
                .in(UpgradePhase.REFILLING, NOW.minus(Duration.ofMinutes(11)));

        UpgradeProgress.Decision decision = next(refilling);

        assertEquals(UpgradeStatus.State.PAUSED, decision.status().state());
        assertTrue(decision.status().pausedBecause().contains("flex_b (flex000001) of instance flex_a (flex000000) did"
                + " not join the swarm within 600 s"), decision.status().pausedBecause());
    }

    @Test
    void atTheMaximumAlreadyAfterTheDeleteNoneIsAdded() {
        capacity = 1;
        vm("flex_c", "flex000002", true);
        UpgradeEntry draining = UpgradeEntry.pending("flex_a", "flex000000", UpgradeEntry.REPLACE)
                .withDrain("d1").in(UpgradePhase.DRAINING, NOW.minusSeconds(20));

        UpgradeProgress.Decision decision = next(draining);

        assertEquals(UpgradePhase.DONE, only(decision).phase());
        assertTrue(only(decision).outcome().contains("at its maximum"), only(decision).outcome());
    }

    /**
     * The capacity check raised the pool back to its minimum right after the delete (FlexibleUpgradeIT): the VM it made,
     * since the drain began, is the replacement waited for; the next VM does not go before it is Ready.
     */
    @Test
    void atTheMaximumAfterTheDeleteAVmMadeSinceTheDrainIsTheReplacementWaitedFor() {
        capacity = 1;
        vm("flex_c", "flex000002", true); // a day old: not it
        instances.add(new ScaleSetInstance("flex_d", "flex000003", ScaleSetInstance.PowerState.RUNNING, "Creating",
                NOW.minusSeconds(3), false, "vm-flex_d", true, "1.0.0"));
        maxAgents = 1;
        UpgradeEntry draining = UpgradeEntry.pending("flex_a", "flex000000", UpgradeEntry.REPLACE)
                .withDrain("d1").in(UpgradePhase.DRAINING, NOW.minusSeconds(20));

        UpgradeEntry refilling = only(next(draining));
        assertEquals(UpgradePhase.REFILLING, refilling.phase());
        assertEquals("flex_d", refilling.replacementId());
        assertInstanceOf(UpgradeAction.Wait.class, next(refilling).action(), "no node yet");
        node("n-d", "flex000003");
        assertTrue(only(next(refilling)).outcome().startsWith("drained, deleted and replaced by instance flex_d"));
    }

    @Test
    void aVmWithoutANodePausesTheUpgradeAsItsReplacementGoesThroughTheDrain() {
        vm("flex_a", "flex000000", false);

        UpgradeProgress.Decision decision = next(UpgradeEntry.pending("flex_a", "flex000000", UpgradeEntry.MANUAL_UPGRADE));

        assertInstanceOf(UpgradeAction.Stop.class, decision.action());
        assertTrue(decision.status().pausedBecause().contains("has no live swarm node"),
                decision.status().pausedBecause());
    }
}
