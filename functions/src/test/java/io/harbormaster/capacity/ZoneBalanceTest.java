package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.swarm.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZoneBalanceTest {
    private static List<ScaleInRule.Candidate> candidates(PlanningContext context, String... names) {
        List<ScaleInRule.Candidate> candidates = new ArrayList<>();
        for (String name : names) {
            Node node = context.snapshot().nodes().stream().filter(n -> n.hostname().equals(name)).findFirst().orElseThrow();
            candidates.add(new ScaleInRule.Candidate(node, context.index().utilisation(node), Duration.ofHours(1)));
        }
        candidates.sort(Comparator.comparingDouble(ScaleInRule.Candidate::utilisation).thenComparing(c -> c.node().hostname()));
        return candidates;
    }

    private static List<String> names(List<ScaleInRule.Candidate> candidates) {
        return candidates.stream().map(c -> c.node().hostname()).toList();
    }

    @Test
    void agentsAreCountedPerZoneAndManagersAndZonelessAgentsNot() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agentInZone("a1", "1");
        cluster.agentInZone("b1", "1");
        cluster.agentInZone("c2", "2");
        cluster.agent("nozone");
        cluster.manager("m0", Node.Reachability.REACHABLE);
        PlanningContext context = cluster.context();
        assertEquals(Map.of("1", 2, "2", 1), ZoneBalance.agentsPerZone(context.index(), context.snapshot().nodes()));
    }

    @Test
    void amongEquallyIdleNodesTheFullestZoneGivesFirstAndPicksAlternate() {
        PlanningFixture cluster = new PlanningFixture();
        // Zone 1 has three agents, zone 2 two, zone 3 one; all but z3 idle.
        cluster.agentInZone("a-z2", "2");
        cluster.agentInZone("b-z2", "2");
        cluster.agentInZone("c-z1", "1");
        cluster.agentInZone("d-z1", "1");
        cluster.agentInZone("e-z1", "1");
        cluster.agentInZone("f-z3", "3");
        PlanningContext context = cluster.context();
        List<ScaleInRule.Candidate> byUtilisation = candidates(context, "a-z2", "b-z2", "c-z1", "d-z1", "e-z1", "f-z3");
        assertEquals(List.of("a-z2", "b-z2", "c-z1", "d-z1", "e-z1", "f-z3"), names(byUtilisation), "by name when equally idle");

        List<ScaleInRule.Candidate> ordered = ZoneBalance.order(byUtilisation,
                ZoneBalance.agentsPerZone(context.index(), context.snapshot().nodes()), context.index());
        // Zones 1:3 2:2 3:1. Zone 1 gives first (c); then zones 1 and 2 have two each and the sort's order picks a-z2;
        // then zone 1 (d), then a tie of ones (b-z2 by order), then e, and the single agent of zone 3 last.
        assertEquals(List.of("c-z1", "a-z2", "d-z1", "b-z2", "e-z1", "f-z3"), names(ordered));
    }

    @Test
    void aBusierNodeIsNeverTakenBeforeAnIdlerOneForZonesSake() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agentInZone("busy-z1", "1");
        cluster.run("busy-z1", "web", 0.6, GIB);
        cluster.agentInZone("idle1-z1", "1");
        cluster.agentInZone("idle2-z1", "1");
        cluster.agentInZone("idle-z2", "2");
        PlanningContext context = cluster.context();
        List<ScaleInRule.Candidate> ordered = ZoneBalance.order(candidates(context, "busy-z1", "idle-z2"),
                ZoneBalance.agentsPerZone(context.index(), context.snapshot().nodes()), context.index());
        assertEquals(List.of("idle-z2", "busy-z1"), names(ordered));
    }

    @Test
    void withoutZonesTheOrderIsUntouched() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("b");
        cluster.agent("a");
        PlanningContext context = cluster.context();
        List<ScaleInRule.Candidate> byUtilisation = candidates(context, "a", "b");
        assertTrue(ZoneBalance.agentsPerZone(context.index(), context.snapshot().nodes()).isEmpty());
        assertEquals(List.of("a", "b"), names(ZoneBalance.order(byUtilisation, Map.of(), context.index())));
    }

    @Test
    void theSelectorDrainsFromTheFullestZoneAndSaysWhy() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agentInZone("a-z1", "1");
        cluster.agentInZone("b-z2", "2");
        cluster.agentInZone("c-z2", "2");
        PlanningContext context = cluster.context();
        ScaleInRule.Eligible eligible = new ScaleInRule.Eligible(candidates(context, "a-z1", "b-z2", "c-z2"), 1,
                "at most 1 at a time", List.of(), null);
        RuleDecision<CapacityAction.RequestDrain> decision = ScaleInNodeSelector.select(context, eligible);
        assertEquals(List.of("b-z2"), decision.actions().stream().map(CapacityAction.RequestDrain::hostname).toList(),
                "by name a-z1 would go and leave zone 1 empty");
        assertTrue(decision.actions().get(0).reason().endsWith(
                "; among equally idle nodes the zone with the most agents first (agents per zone {1=1, 2=2})"),
                decision.actions().get(0).reason());
    }

    @Test
    void theStatusShowsAgentsPerZone() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agentInZone("a", "1");
        cluster.agentInZone("b", "2");
        cluster.agentInZone("c", "2");
        Map<String, Object> json = new ClusterReport(cluster.snapshot(), CapacityHistory.EMPTY, CapacityPause.NEVER_CHANGED).toJson();
        @SuppressWarnings("unchecked")
        Map<String, Object> scaleSet = (Map<String, Object>) json.get("scaleSet");
        assertEquals(Map.of("1", 1, "2", 2), scaleSet.get("agentsPerZone"));
    }
}
