package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.CPU;
import static io.harbormaster.capacity.PlanningFixture.GIB;
import static io.harbormaster.capacity.PlanningFixture.minutesAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.SwarmRole;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentSizeTest {
    private static final Resources BIGGER = new Resources(4 * CPU, 16 * GIB);

    private static AgentSize measure(PlanningFixture cluster) {
        return cluster.context().newAgent();
    }

    private static void worker(PlanningFixture cluster, String name, Resources resources, long minutesOld, boolean withInstance) {
        cluster.nodes.add(new Node("id-" + name, 1, name, SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY, Map.of(),
                resources, minutesAgo(minutesOld)));
        if (withInstance) {
            cluster.instance(name, minutesAgo(minutesOld + 1));
        }
    }

    @Test
    void theNewestReadyAgentShowsWhatTheSkuGives() {
        PlanningFixture cluster = new PlanningFixture();
        worker(cluster, "old", PlanningFixture.AGENT, 600, true);
        worker(cluster, "new", BIGGER, 5, true);
        AgentSize agent = measure(cluster);
        assertEquals(BIGGER, agent.size());
        assertEquals("as agent new reports it", agent.source());
        assertEquals(BIGGER, agent.room(), "no global service takes a share");
    }

    @Test
    void aWorkerOutsideTheScaleSetIsNotMeasured() {
        PlanningFixture cluster = new PlanningFixture();
        worker(cluster, "agent", PlanningFixture.AGENT, 600, true);
        worker(cluster, "hand-made", BIGGER, 5, false);
        assertEquals(PlanningFixture.AGENT, measure(cluster).size());
    }

    @Test
    void withoutAnAgentThePolicysSizeIsTaken() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.node("manager", SwarmRole.MANAGER, Node.Availability.ACTIVE, Node.State.READY, Map.of());
        AgentSize agent = measure(cluster);
        assertEquals(CapacityPolicy.DEFAULTS.fallbackAgentSize(), agent.size());
        assertEquals("the policy's agent size, as no agent is in the swarm to measure", agent.source());
    }

    @Test
    void theRoomLeavesOneTaskOfEachGlobalServiceThatWillRunOnANewAgent() {
        PlanningFixture cluster = new PlanningFixture();
        cluster.agent("a");
        cluster.service("logs", Service.Mode.GLOBAL, 0.25, GIB);
        cluster.service("gpu-driver", Service.Mode.GLOBAL, 1, 4 * GIB, "node.labels.gpu==yes"); // a new agent has no labels
        cluster.service("web", Service.Mode.REPLICATED, 1, GIB);
        assertEquals(new Resources(2 * CPU - CPU / 4, 7 * GIB), measure(cluster).room());
    }
}
