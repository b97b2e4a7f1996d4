package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import io.harbormaster.drain.InstanceEnd;
import org.junit.jupiter.api.Test;

class ScaleInNodeSelectorTest {
    private static final Duration AN_HOUR = Duration.ofHours(1);

    /** The named nodes as candidates, with their utilisation as the index measures it. */
    private static ScaleInRule.Eligible eligible(PlanningContext context, int allowed, String... names) {
        List<ScaleInRule.Candidate> candidates = new ArrayList<>();
        for (String name : names) {
            Node node = context.snapshot().nodes().stream().filter(n -> n.hostname().equals(name)).findFirst().orElseThrow();
            candidates.add(new ScaleInRule.Candidate(node, context.index().utilisation(node), AN_HOUR));
        }
        return new ScaleInRule.Eligible(candidates, allowed, "at most " + allowed + " at a time", List.of(), null);
    }

    private static List<String> drained(RuleDecision<CapacityAction.RequestDrain> decision) {
        return decision.actions().stream().map(CapacityAction.RequestDrain::hostname).toList();
    }

    @Test
    void theLeastBusyGoesFirstAndTheRestWait() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("thirty");
        cluster.run("thirty", "web", 0.6, GIB);
        cluster.agent("ten");
        cluster.run("ten", "web", 0.2, GIB / 2);
        cluster.agent("stays");
        cluster.run("stays", "web", 1.0, GIB);
        PlanningContext context = cluster.context();
        RuleDecision<CapacityAction.RequestDrain> decision = ScaleInNodeSelector.select(context, eligible(context, 1, "thirty", "ten"));
        assertEquals(List.of("ten"), drained(decision));
        CapacityAction.RequestDrain drain = decision.actions().get(0);
        assertEquals("1", drain.instanceId());
        assertEquals("node ten has been under 50 % utilisation for 1h (unneeded time 10m; 0.2 CPU / 512 MiB reserved of"
                + " 2 CPU / 8 GiB, 10 %); its 1 task fits on the remaining nodes; least busy first of 2 eligible", drain.reason());
        assertEquals(List.of("1 more node is eligible for scale-in; not now: at most 1 at a time"),
                PlanningFixture.lines(decision.notes()));
    }

    @Test
    void aNodeWhoseTasksFitNowhereElseStays() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("idle");
        cluster.run("idle", "big", 0.9, GIB);
        cluster.agent("full");
        cluster.run("full", "web", 1.5, GIB);
        PlanningContext context = cluster.context();
        RuleDecision<CapacityAction.RequestDrain> decision = ScaleInNodeSelector.select(context, eligible(context, 1, "idle"));
        assertEquals(List.of(), drained(decision));
        assertEquals(List.of("node idle is under-utilised (45 %) but its tasks do not fit on the remaining nodes: 1 task of"
                + " service big at 0.9 CPU / 1 GiB find no room"), PlanningFixture.lines(decision.notes()));
    }

    @Test
    void aCandidateThatTakesALeavingNodesTasksIsKept() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("a");
        cluster.run("a", "web", 0.2, GIB);
        cluster.agent("b");
        cluster.run("b", "web", 0.4, GIB);
        PlanningContext context = cluster.context();
        RuleDecision<CapacityAction.RequestDrain> decision = ScaleInNodeSelector.select(context, eligible(context, 2, "a", "b"));
        assertEquals(List.of("a"), drained(decision), "a's task can only go to b");
        assertEquals(List.of("node b is eligible for scale-in but would take tasks of a node leaving now"),
                PlanningFixture.lines(decision.notes()));
    }

    @Test
    void aGlobalTaskGoesWithItsNodeAndNeedsNoRoomElsewhere() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.service("logs", Service.Mode.GLOBAL, 0.5, GIB);
        cluster.agent("a");
        cluster.run("a", "logs", 0.5, GIB);
        cluster.agent("full");
        cluster.run("full", "logs", 0.5, GIB);
        cluster.run("full", "web", 1.5, GIB);
        PlanningContext context = cluster.context();
        RuleDecision<CapacityAction.RequestDrain> decision = ScaleInNodeSelector.select(context, eligible(context, 1, "a"));
        assertEquals(List.of("a"), drained(decision));
    }

    @Test
    void withNoCandidateNothingIsSelected() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("a");
        PlanningContext context = cluster.context();
        RuleDecision<CapacityAction.RequestDrain> decision = ScaleInNodeSelector.select(context, eligible(context, 3));
        assertEquals(List.of(), decision.actions());
        assertEquals(List.of(), decision.notes());
    }

    @Test
    void inDeallocateModeTheDrainDeallocatesTheInstance() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.policy = CapacityPolicy.DEFAULTS.withScaleIn(CapacityPolicy.ScaleInMode.DEALLOCATE, 3);
        cluster.agent("idle");
        cluster.agent("stays");
        cluster.run("stays", "web", 1.0, GIB);
        PlanningContext context = cluster.context();
        CapacityAction.RequestDrain drain = ScaleInNodeSelector.select(context, eligible(context, 1, "idle")).actions().get(0);
        assertEquals(InstanceEnd.DEALLOCATE, drain.instanceEnd());
        assertEquals("drain idle and deallocate its instance", drain.summary());
    }
}
