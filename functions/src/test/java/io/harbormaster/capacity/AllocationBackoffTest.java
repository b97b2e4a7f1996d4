package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AllocationBackoffTest {
    private static final Instant NOW = PlanningFixture.NOW;

    private static CapacityHistory withDecision(String action, String reason, Instant at) {
        return CapacityHistory.EMPTY.withDecisions(List.of(new CapacityHistory.Decision(at, action, reason, false)));
    }

    @Test
    void aRefusedScaleOutPassesThePoolOverForFiveMinutes() {
        CapacityHistory history = CapacityHistory.EMPTY.withDecisions(List.of(AllocationBackoff.refused("scale out 0 -> 2",
                "Failed to scale out: HTTP 409 SkuNotAvailable: no capacity", NOW.minusSeconds(60))));
        Optional<String> why = AllocationBackoff.reason(history, List.of(), NOW);
        assertTrue(why.orElseThrow().contains("SkuNotAvailable"), why.toString());
        assertEquals(Optional.empty(), AllocationBackoff.reason(history, List.of(), NOW.plus(Duration.ofMinutes(5))),
                "tried again after the backoff");
    }

    @Test
    void aCapacityWriteOrWarmStartThatDidNotTakeCountsAndOtherDecisionsDoNot() {
        assertTrue(AllocationBackoff.reason(withDecision("set capacity to 3 did not finish", "the write did not take",
                NOW.minusSeconds(30)), List.of(), NOW).isPresent());
        assertTrue(AllocationBackoff.reason(withDecision("start instance 4 did not finish", "still deallocated",
                NOW.minusSeconds(30)), List.of(), NOW).isPresent());
        assertEquals(Optional.empty(), AllocationBackoff.reason(withDecision("delete instance 4 did not finish", "x",
                NOW.minusSeconds(30)), List.of(), NOW));
        assertEquals(Optional.empty(), AllocationBackoff.reason(withDecision("scale out 1 -> 2", "pending tasks",
                NOW.minusSeconds(30)), List.of(), NOW));
    }

    @Test
    void anInstanceArmLeftFailedPassesThePoolOver() {
        ScaleSetInstance failed = new ScaleSetInstance("7", "spot000007", ScaleSetInstance.PowerState.UNKNOWN, "Failed",
                NOW.minusSeconds(120), false);
        assertTrue(AllocationBackoff.reason(CapacityHistory.EMPTY, List.of(failed), NOW).orElseThrow().contains("instance 7"));
    }

    @Test
    void pendingWorkGoesToTheNextPoolThatFitsWhileTheSpotPoolCannotAllocate() {
        FleetFixture fleet = new FleetFixture();
        // The Spot pool comes first by order; both fit the task equally.
        fleet.pool("spot", 0, 10, Map.of(), 0, null);
        fleet.pool("regular", 0, 10, Map.of(), 1, null);
        fleet.node("manager0", SwarmRole.MANAGER, Map.of());
        fleet.service("web", 1, FleetFixture.GIB);
        List<Task> pending = fleet.pending(2, "web", 1, FleetFixture.GIB, PlanningFixture.NO_ROOM);
        FleetSnapshot snapshot = fleet.snapshot();
        FleetPartition.NodePools nodePools = FleetPartition.nodePools(snapshot);

        PoolExpander.Choice before = PoolExpander.choose(snapshot, nodePools, CapacityPolicy.DEFAULTS, Map.of());
        PoolExpander.Choice after = PoolExpander.choose(snapshot, nodePools, CapacityPolicy.DEFAULTS,
                Map.of("spot", "scale out 0 -> 1 failed: SkuNotAvailable"));

        assertEquals("spot", before.poolByTask().get(pending.get(0).id()), "the lower order wins while it can allocate");
        assertEquals("regular", after.poolByTask().get(pending.get(0).id()));
        assertEquals("regular", after.poolByTask().get(pending.get(1).id()));
        assertTrue(after.notes().get("regular").get(0).contains("spot 36% unused (cannot allocate: scale out 0 -> 1 failed: SkuNotAvailable)")
                && after.notes().get("regular").get(0).endsWith("; a pool that could not allocate lately goes last"), after.notes().toString());

        // Through the fleet's plan: the Spot pool's history says it could not allocate a minute ago.
        CapacityHistory refused = CapacityHistory.EMPTY.withDecisions(List.of(AllocationBackoff.refused("scale out 0 -> 1",
                "HTTP 409 SkuNotAvailable", NOW.minusSeconds(60))));
        List<FleetPlanner.PoolPlan> plans = FleetPlanner.plan(snapshot, CapacityPolicy.DEFAULTS, Map.of("spot", refused), NOW);
        assertEquals(List.of(), plans.get(0).plan().actions(CapacityAction.ScaleOut.class));
        assertEquals(1, plans.get(1).plan().actions(CapacityAction.ScaleOut.class).size(), plans.get(1).plan().notes().toString());
    }

    @Test
    void aPoolThatCannotAllocateIsStillChosenWhenNoOtherFits() {
        FleetFixture fleet = new FleetFixture();
        fleet.pool("gpu", 0, 4, Map.of("gpu", "true"), 0, null);
        fleet.pool("general", 0, 10, Map.of(), 1, null);
        fleet.service("train", 1, FleetFixture.GIB, "node.labels.gpu==true");
        List<Task> pending = fleet.pending(1, "train", 1, FleetFixture.GIB,
                "no suitable node (scheduling constraints not satisfied on 2 nodes)");
        FleetSnapshot snapshot = fleet.snapshot();

        PoolExpander.Choice choice = PoolExpander.choose(snapshot, FleetPartition.nodePools(snapshot), CapacityPolicy.DEFAULTS,
                Map.of("gpu", "AllocationFailed"));

        assertEquals("gpu", choice.poolByTask().get(pending.get(0).id()), "nowhere else to go: it keeps trying");
    }
}
