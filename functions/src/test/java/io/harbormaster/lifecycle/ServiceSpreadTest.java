package io.harbormaster.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceSpreadTest {
    @Test
    void countsEveryEligibleNodeAndIsEvenWithinOneTask() {
        RebalanceFixture cluster = new RebalanceFixture();
        Node a = cluster.worker("a");
        Node b = cluster.worker("b");
        Node c = cluster.worker("c");
        Service web = cluster.service("web", 8);
        cluster.running(web, a, 4);
        cluster.running(web, b, 4);

        ServiceSpread spread = ServiceSpread.of(List.of(a, b, c), cluster.tasks);
        assertEquals(0, spread.count(c));
        assertFalse(spread.even());
        assertEquals(a, spread.mostCrowded(), "the first among equals");
        assertEquals("a=4 b=4 c=0", spread.describe());

        assertTrue(ServiceSpread.of(List.of(a, b), cluster.tasks).even());
        cluster.running(web, c, 3);
        assertTrue(ServiceSpread.of(List.of(a, b, c), cluster.tasks).even());
    }
}
