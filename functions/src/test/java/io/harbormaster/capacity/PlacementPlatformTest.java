package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.NodePlatform;
import io.harbormaster.swarm.SwarmRole;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** node.platform.os and node.platform.arch, matched as swarmkit's constraint package matches them. */
class PlacementPlatformTest {
    private static Node node(NodePlatform platform) {
        return new Node("id-a", 1, "a", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY, Map.of(),
                PlanningFixture.AGENT, PlanningFixture.NOW, null, platform);
    }

    private static Placement placement(String... constraints) {
        return Placement.of(List.of(constraints));
    }

    @Test
    void anExistingNodeIsJudgedByTheArchitectureItsEngineReports() {
        Node arm = node(new NodePlatform("linux", "aarch64"));
        Node intel = node(new NodePlatform("linux", "x86_64"));
        assertTrue(placement("node.platform.arch==aarch64").allows(arm));
        assertFalse(placement("node.platform.arch==aarch64").allows(intel));
        assertTrue(placement("node.platform.arch!=aarch64").allows(intel));
        assertFalse(placement("node.platform.arch!=aarch64").allows(arm));
        assertTrue(placement("node.platform.os==linux", "node.platform.arch==x86_64").allows(intel));
        assertFalse(placement("node.platform.os==windows").allows(intel));
    }

    @Test
    void keysAndValuesMatchWhateverTheirCase() {
        Node arm = node(new NodePlatform("linux", "aarch64"));
        assertTrue(placement("Node.Platform.Arch == AARCH64").allows(arm), "strings.EqualFold on key and value");
        assertTrue(placement("NODE.PLATFORM.OS==Linux").allows(arm));
    }

    @Test
    void aNodeThatReportedNoPlatformMatchesAsTheEmptyString() {
        Node unreported = node(NodePlatform.UNREPORTED);
        assertFalse(placement("node.platform.os==linux").allows(unreported));
        assertTrue(placement("node.platform.arch!=aarch64").allows(unreported));
    }

    @Test
    void aNewAgentIsJudgedByItsPoolsPlatform() {
        Placement arm = placement("node.platform.arch==aarch64");
        assertTrue(arm.allowsNewAgent(Map.of(), NodePlatform.linux(NodePlatform.AARCH64)));
        assertFalse(arm.allowsNewAgent(Map.of(), Pool.DEFAULT_PLATFORM));
        assertFalse(arm.allowsNewAgent(Map.of()), "a pool says x86_64 unless it says otherwise");
        assertTrue(placement("node.platform.os==linux").allowsNewAgent(Map.of()), "our agents are Linux");
        assertFalse(placement("node.platform.os==windows").allowsNewAgent(Map.of(), NodePlatform.linux("aarch64")));
    }
}
