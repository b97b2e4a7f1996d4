package io.harbormaster.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.SwarmRole;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EligibleNodesTest {
    private final RebalanceFixture cluster = new RebalanceFixture();

    @Test
    void onlyActiveReadyUndrainedNodesItsConstraintsAllow() {
        cluster.worker("b1");
        cluster.worker("a1");
        cluster.node("paused", SwarmRole.WORKER, Node.Availability.PAUSE, Node.State.READY, Map.of());
        cluster.node("drained", SwarmRole.WORKER, Node.Availability.DRAIN, Node.State.READY, Map.of());
        cluster.node("down", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.DOWN, Map.of());
        cluster.node("m1", SwarmRole.MANAGER, Node.Availability.ACTIVE, Node.State.READY, Map.of());
        cluster.draining(cluster.worker("leaving"));
        cluster.node("gpu", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY, Map.of("kind", "gpu"));

        Service anywhere = cluster.service("anywhere", 4);
        assertEquals(List.of("a1", "b1", "gpu", "m1"), hostnames(EligibleNodes.of(anywhere, cluster.view())));
        Service workers = cluster.service("workers", 4, Resources.NONE, List.of("node.role==worker", "node.labels.kind!=gpu"),
                Map.of(), List.of());
        assertEquals(List.of("a1", "b1"), hostnames(EligibleNodes.of(workers, cluster.view())));
    }

    private static List<String> hostnames(List<Node> nodes) {
        return nodes.stream().map(Node::hostname).toList();
    }
}
