package io.harbormaster.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.SwarmRole;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PreferenceRuleTest {
    private final RebalanceFixture cluster = new RebalanceFixture();
    private final Node a1 = zone("a1", "a");
    private final Node a2 = zone("a2", "a");
    private final Node b1 = zone("b1", "b");

    private Node zone(String name, String zone) {
        return cluster.node(name, SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY, Map.of("zone", zone));
    }

    private Service spreadOver(String descriptor) {
        return cluster.service("web", 6, Resources.NONE, List.of(), Map.of(), List.of(descriptor));
    }

    @Test
    void withoutPreferencesOrWithinOneGroupMovesAreSafe() {
        assertNull(PreferenceRule.conflict(cluster.service("plain", 6), List.of(a1, a2, b1)));
        assertNull(PreferenceRule.conflict(spreadOver("node.labels.zone"), List.of(a1, a2)));
    }

    @Test
    void nodesInSeveralGroupsLeaveTheServiceAsTheSchedulerPlacedIt() {
        assertEquals("its placement preferences [node.labels.zone] spread it over 2 groups of nodes, which swarm's"
                + " scale-down does not keep", PreferenceRule.conflict(spreadOver("node.labels.zone"), List.of(a1, a2, b1)));
        assertEquals("its placement preferences [engine.labels.disk] spread it over 2 groups of nodes, which swarm's"
                + " scale-down does not keep", PreferenceRule.conflict(spreadOver("engine.labels.disk"), List.of(a1, a2)));
    }
}
