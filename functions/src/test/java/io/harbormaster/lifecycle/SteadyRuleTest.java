package io.harbormaster.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import java.util.List;
import org.junit.jupiter.api.Test;

class SteadyRuleTest {
    private final RebalanceFixture cluster = new RebalanceFixture();
    private final Node a = cluster.worker("a");
    private final Node b = cluster.worker("b");
    private final Service web = cluster.service("web", 4);

    @Test
    void allReplicasRunningOnEligibleNodesIsSteady() {
        cluster.running(web, a, 3);
        cluster.running(web, b, 1);
        assertNull(SteadyRule.unsteady(web, cluster.view().tasksOf(web.id()), List.of(a, b)));
    }

    @Test
    void missingOrStartingTasksAreNot() {
        cluster.running(web, a, 3);
        assertEquals("3 tasks of 4 replicas are desired running",
                SteadyRule.unsteady(web, cluster.view().tasksOf(web.id()), List.of(a, b)));
        cluster.task(web, b, "starting");
        assertEquals("1 of its tasks are not running yet",
                SteadyRule.unsteady(web, cluster.view().tasksOf(web.id()), List.of(a, b)));
    }

    @Test
    void tasksOnNodesOutsideTheEligibleOnesAreNot() {
        cluster.running(web, a, 3);
        cluster.running(web, b, 1);
        assertEquals("3 of its tasks run on nodes it cannot be moved between (paused, draining, not ready)",
                SteadyRule.unsteady(web, cluster.view().tasksOf(web.id()), List.of(b)));
    }
}
