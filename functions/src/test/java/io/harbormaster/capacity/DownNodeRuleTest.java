package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.minutesAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainState;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.SwarmRole;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.harbormaster.scaleset.ScaleSetInstance;
import org.junit.jupiter.api.Test;

class DownNodeRuleTest {
    /** A cluster whose last check saw the named nodes down since {@code minutes} ago. */
    private static PlanningFixture downFor(long minutes, String... names) {
        PlanningFixture cluster = new PlanningFixture();
        Map<String, Instant> since = new HashMap<>();
        for (String name : names) {
            since.put("id-" + name, minutesAgo(minutes));
        }
        cluster.history = new CapacityHistory(minutesAgo(1), Map.of(), since, Map.of(), null, null, null, List.of());
        return cluster;
    }

    private static void downWorker(PlanningFixture cluster, String name) {
        cluster.node(name, SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.DOWN, Map.of());
    }

    @Test
    void aWorkerDownPastTheGraceWithoutAnInstanceIsRemoved() {
        PlanningFixture cluster = downFor(12, "gone");
        downWorker(cluster, "gone");
        RuleDecision<CapacityAction.RemoveDownNode> decision = DownNodeRule.decide(cluster.context());
        assertEquals(1, decision.actions().size());
        CapacityAction.RemoveDownNode remove = decision.actions().get(0);
        assertEquals("id-gone", remove.nodeId());
        assertEquals("node gone has been down for 12m (grace 10m) and the scale set has no instance named gone", remove.reason());
        assertNull(decision.due());
    }

    @Test
    void withinTheGraceItComesDueWhenTheGraceEnds() {
        PlanningFixture cluster = downFor(4, "gone");
        downWorker(cluster, "gone");
        RuleDecision<CapacityAction.RemoveDownNode> decision = DownNodeRule.decide(cluster.context());
        assertEquals(List.of(), decision.actions());
        assertEquals(minutesAgo(-6), decision.due());
        assertEquals(List.of("node gone down for 4m of 10m and no instance is named gone"), PlanningFixture.lines(decision.notes()));
    }

    @Test
    void managersNodesWithAnInstanceAndNodesWithADrainAreLeftAlone() {
        PlanningFixture cluster = downFor(60, "manager", "rebooting", "draining");
        cluster.node("manager", SwarmRole.MANAGER, Node.Availability.ACTIVE, Node.State.DOWN, Map.of());
        cluster.agent("rebooting", Node.Availability.ACTIVE, Node.State.DOWN, Map.of());
        downWorker(cluster, "draining");
        cluster.drain("draining", "req-d", DrainReason.SHUTDOWN, DrainState.DRAINING, false, minutesAgo(1));
        RuleDecision<CapacityAction.RemoveDownNode> decision = DownNodeRule.decide(cluster.context());
        assertEquals(List.of(), decision.actions());
        assertEquals(List.of("down managers", "down nodes with an instance", "down nodes with a drain"),
                decision.notes().stream().map(Note::topic).toList());
    }

    @Test
    void aNodeFirstSeenDownNowStartsItsGrace() {
        PlanningFixture cluster = new PlanningFixture();
        downWorker(cluster, "gone");
        RuleDecision<CapacityAction.RemoveDownNode> decision = DownNodeRule.decide(cluster.context());
        assertEquals(List.of(), decision.actions());
        assertEquals(minutesAgo(-10), decision.due());
    }

    @Test
    void aDownNodeWhoseInstanceIsWarmIsNotADeadNode() {
        PlanningFixture cluster = downFor(60, "warm");
        cluster.policy = CapacityPolicy.DEFAULTS.withScaleIn(CapacityPolicy.ScaleInMode.DEALLOCATE, 3);
        downWorker(cluster, "warm");
        cluster.instance(new ScaleSetInstance("4", "warm", ScaleSetInstance.PowerState.DEALLOCATED, "Succeeded",
                minutesAgo(600), false));
        RuleDecision<CapacityAction.RemoveDownNode> decision = DownNodeRule.decide(cluster.context());
        assertEquals(List.of(), decision.actions());
        assertEquals(List.of("node warm is down for 1h but its instance 4 exists (deallocated): left alone"),
                PlanningFixture.lines(decision.notes()));
        // Nor is its instance a nodeless one to delete: the node still names it.
        assertEquals(List.of(), InstanceCleanupRule.decide(cluster.context()).actions());
    }
}
