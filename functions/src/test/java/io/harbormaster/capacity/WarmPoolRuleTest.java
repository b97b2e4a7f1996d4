package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.minutesAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequest;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.drain.InstanceEnd;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.SwarmRole;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WarmPoolRuleTest {
    private static final CapacityPolicy WARM = CapacityPolicy.DEFAULTS.withScaleIn(CapacityPolicy.ScaleInMode.DEALLOCATE, 2);

    private static ScaleSetInstance deallocated(String id, long minutesOld) {
        return new ScaleSetInstance(id, "vm-" + id, ScaleSetInstance.PowerState.DEALLOCATED, "Succeeded",
                minutesAgo(minutesOld), false);
    }

    private static PlanningFixture warmCluster() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.policy = WARM;
        cluster.agent("a");
        cluster.instance(deallocated("10", 300));
        cluster.instance(deallocated("11", 100));
        cluster.instance(deallocated("12", 200));
        return cluster;
    }

    /** The trim after a start of up to {@code newAgents} warm instances in the same check. */
    private static RuleDecision<CapacityAction.DeleteInstance> trimAfterStarting(PlanningFixture cluster, long newAgents) {
        return WarmPoolRule.trim(cluster.context(), WarmPoolRule.start(cluster.context(), newAgents, "pending"));
    }

    private static List<String> ids(List<ScaleSetInstance> instances) {
        return instances.stream().map(ScaleSetInstance::instanceId).toList();
    }

    @Test
    void warmInstancesAreDeallocatedNodelessOnesNewestFirst() {
        PlanningFixture cluster = warmCluster();
        cluster.instance(new ScaleSetInstance("13", "vm-13", ScaleSetInstance.PowerState.DEALLOCATED, "Deleting",
                minutesAgo(50), false));
        cluster.instance(new ScaleSetInstance("14", "vm-14", ScaleSetInstance.PowerState.STOPPED, "Succeeded",
                minutesAgo(50), false));
        assertEquals(List.of("11", "12", "10"), ids(WarmPoolRule.warm(cluster.context())));
    }

    @Test
    void aScaleOutStartsWarmInstancesNewestFirstUpToWhatItNeeds() {
        PlanningFixture cluster = warmCluster();
        WarmPoolRule.Starts starts = WarmPoolRule.start(cluster.context(), 2, "3 tasks pending");
        assertEquals(List.of("11", "12"), ids(starts.started()));
        assertEquals(2, starts.count());
        CapacityAction.StartInstances start = starts.actions().get(0);
        assertEquals(List.of("11", "12"), start.instanceIds());
        assertEquals("start warm instances 11, 12 (vm-11, vm-12)", start.summary());
        assertTrue(start.reason().contains("3 warm (deallocated) instances are there to start: starting 2 of them"), start.reason());
        assertTrue(!start.destructive());
    }

    @Test
    void noMoreThanOneScaleOutStepIsStartedAtOnce() {
        PlanningFixture cluster = warmCluster();
        cluster.policy = WARM.withSteps(1, 1);
        assertEquals(List.of("11"), ids(WarmPoolRule.start(cluster.context(), 3, "pending").started()));
    }

    @Test
    void nothingIsStartedInDeleteModeOrWithoutNeed() {
        PlanningFixture cluster = warmCluster();
        assertEquals(0, WarmPoolRule.start(cluster.context(), 0, "pending").count());
        cluster.policy = CapacityPolicy.DEFAULTS;
        assertEquals(0, WarmPoolRule.start(cluster.context(), 2, "pending").count());
        assertEquals(List.of(), trimAfterStarting(cluster, 2).actions());
    }

    @Test
    void anInstanceStartedByAnEarlierCheckIsNotWarmAndNotStartedAgain() {
        PlanningFixture cluster = warmCluster();
        // The redelivered check: the instance may still read deallocated, but its start is on record.
        cluster.history = new CapacityHistory(minutesAgo(1), Map.of(), Map.of(), Map.of(), null, null, null, List.of(),
                List.of(CapacityHistory.Operation.startInstance("11", minutesAgo(1))));
        assertEquals(List.of("12"), ids(WarmPoolRule.start(cluster.context(), 1, "pending").started()));
    }

    @Test
    void theInstanceOfADrainUnderWayIsNotWarmYet() {
        PlanningFixture cluster = warmCluster();
        cluster.drain("vm-11", "req-1", DrainReason.SCALE_IN, DrainState.DRAINED, false, minutesAgo(1));
        assertEquals(List.of("12", "10"), ids(WarmPoolRule.warm(cluster.context())));
    }

    @Test
    void warmInstancesBeyondTheCapAreDeletedOldestFirst() {
        PlanningFixture cluster = warmCluster();
        cluster.policy = WARM.withScaleIn(CapacityPolicy.ScaleInMode.DEALLOCATE, 1);
        RuleDecision<CapacityAction.DeleteInstance> trimmed = trimAfterStarting(cluster, 0);
        assertEquals(List.of("10", "12"), trimmed.actions().stream().map(CapacityAction.DeleteInstance::instanceId).toList());
        assertEquals("3 warm (deallocated) instances are kept and the cap is 1; instance 10 is the oldest of them (created "
                + minutesAgo(300) + ")", trimmed.actions().get(0).reason());
    }

    @Test
    void thoseStartedThisCheckDoNotCountAgainstTheCap() {
        PlanningFixture cluster = warmCluster();
        cluster.policy = WARM.withScaleIn(CapacityPolicy.ScaleInMode.DEALLOCATE, 1);
        RuleDecision<CapacityAction.DeleteInstance> trimmed = trimAfterStarting(cluster, 2);
        assertEquals(List.of(), trimmed.actions());
        assertEquals(List.of("1 warm (deallocated) instance is kept for the next scale-out (at most 1)"),
                PlanningFixture.lines(trimmed.notes()));
    }

    @Test
    void aProtectedWarmInstanceBeyondTheCapIsLeftAlone() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.policy = WARM.withScaleIn(CapacityPolicy.ScaleInMode.DEALLOCATE, 0);
        cluster.instance(new ScaleSetInstance("10", "vm-10", ScaleSetInstance.PowerState.DEALLOCATED, "Succeeded",
                minutesAgo(300), true));
        RuleDecision<CapacityAction.DeleteInstance> trimmed = trimAfterStarting(cluster, 0);
        assertEquals(List.of(), trimmed.actions());
        assertEquals(List.of("warm instance 10 (vm-10) is beyond the cap but protected from scale-in: left alone"),
                PlanningFixture.lines(trimmed.notes()));
    }

    @Test
    void thePlannerStartsWarmInstancesAndRaisesTheCapacityOnlyForTheRest() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.policy = WARM;
        cluster.agent("a");
        cluster.run("a", "web", 2.0, PlanningFixture.GIB);
        cluster.instance(deallocated("10", 300));
        cluster.instance(deallocated("11", 100));
        cluster.service("big", Service.Mode.REPLICATED, 1.5, PlanningFixture.GIB);
        cluster.pending(3, "big", 1.5, PlanningFixture.GIB, PlanningFixture.NO_ROOM);
        CapacityPlan plan = CapacityPlanner.plan(cluster.snapshot(), cluster.policy, cluster.history, PlanningFixture.NOW);
        assertEquals(List.of("11", "10"), plan.actions(CapacityAction.StartInstances.class).get(0).instanceIds());
        CapacityAction.ScaleOut scaleOut = plan.actions(CapacityAction.ScaleOut.class).get(0);
        assertEquals(3, scaleOut.fromCapacity(), "warm instances count in the capacity");
        assertEquals(4, scaleOut.toCapacity(), "one new agent for the third task");
        assertEquals(PlanningFixture.NOW, plan.history().lastScaleOut().at());
    }

    @Test
    void theNextCheckCountsTheStartedInstancesAndAsksForNothingMore() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.policy = WARM;
        cluster.agent("a");
        cluster.run("a", "web", 2.0, PlanningFixture.GIB);
        cluster.instance(new ScaleSetInstance("10", "vm-10", ScaleSetInstance.PowerState.STARTING, "Succeeded",
                minutesAgo(300), false));
        cluster.service("big", Service.Mode.REPLICATED, 1.5, PlanningFixture.GIB);
        cluster.pending(1, "big", 1.5, PlanningFixture.GIB, PlanningFixture.NO_ROOM);
        cluster.history = new CapacityHistory(minutesAgo(1), Map.of(), Map.of(), Map.of(), null, null, null, List.of(),
                List.of(CapacityHistory.Operation.startInstance("10", minutesAgo(1))));
        CapacityPlan plan = CapacityPlanner.plan(cluster.snapshot(), cluster.policy, cluster.history, PlanningFixture.NOW);
        assertEquals(List.of(), plan.actions(), String.join("\n", plan.notes()));
        assertTrue(plan.notes().stream().anyMatch(note -> note.contains("will fit on the 1 agent still provisioning or joining")),
                String.join("\n", plan.notes()));
    }

    @Test
    void anInstanceWhoseDrainDeallocatedItIsWarmWhileItsOldNodeWaitsDownForRemoval() {
        PlanningFixture cluster = warmCluster();
        cluster.node("vm-11", SwarmRole.WORKER, Node.Availability.DRAIN,
                Node.State.DOWN, Map.of());
        DrainRequest request = new DrainRequest("req-11", "vm-11", "id-vm-11",
                DrainReason.SCALE_IN, InstanceEnd.DEALLOCATE, minutesAgo(-10), minutesAgo(1), "11");
        cluster.drains.add(new DrainStatus(request, DrainState.DRAINED, false, 0, 0, false, false,
                null, null, minutesAgo(1), null, 4, null, minutesAgo(1), List.of(), null, true));
        assertEquals(List.of("11", "12", "10"), ids(WarmPoolRule.warm(cluster.context())));

        cluster.nodes.set(cluster.nodes.size() - 1, new Node("id-vm-11", 1, "vm-11",
                SwarmRole.WORKER, Node.Availability.DRAIN,
                Node.State.READY, Map.of(), PlanningFixture.AGENT, minutesAgo(60)));
        assertEquals(List.of("12", "10"), ids(WarmPoolRule.warm(cluster.context())), "its node still up: not yet");
    }
}
