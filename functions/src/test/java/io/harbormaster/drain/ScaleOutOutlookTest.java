package io.harbormaster.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.SwarmRole;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScaleOutOutlookTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    private static ScaleSetInstance instance(String id, String name, ScaleSetInstance.PowerState power, String provisioning) {
        return new ScaleSetInstance(id, name, power, provisioning, T0, false);
    }

    private static ScaleSetInstance running(String id, String name) {
        return instance(id, name, ScaleSetInstance.PowerState.RUNNING, "Succeeded");
    }

    private static Node node(String hostname, Node.State state) {
        return new Node("id-" + hostname, 1, hostname, SwarmRole.WORKER, Node.Availability.ACTIVE, state, Map.of(),
                Resources.NONE, T0);
    }

    @Test
    void atItsMaximumWithEveryOtherAgentInTheSwarmNoRoomCanCome() {
        ScaleOutOutlook outlook = ScaleOutOutlook.of(
                List.of(running("0", "agent0"), running("1", "agent1"), running("2", "agent2")),
                List.of(node("agent0", Node.State.READY), node("agent1", Node.State.READY), node("agent2", Node.State.READY)),
                "agent0", 3);
        assertFalse(outlook.roomMayCome());
        assertEquals("the scale set has 3 of at most 3 agents and none is on the way", outlook.seen());
    }

    @Test
    void belowItsMaximumTheCapacityCheckCanAddAnAgent() {
        ScaleOutOutlook outlook = ScaleOutOutlook.of(List.of(running("0", "agent0"), running("1", "agent1")),
                List.of(node("agent0", Node.State.READY), node("agent1", Node.State.READY)), "agent0", 3);
        assertTrue(outlook.possible());
        assertFalse(outlook.underWay());
    }

    @Test
    void anInstanceWithoutAReadyNodeIsOnTheWayButNotTheLeavingOneNorOneStoppedOrBeingDeleted() {
        List<Node> nodes = List.of(node("agent0", Node.State.DOWN), node("agent1", Node.State.READY),
                node("agent2", Node.State.DOWN));
        // agent0 leaves (its own node is down by now); agent2 reboots; agent3 is still creating and has no name yet.
        ScaleOutOutlook coming = ScaleOutOutlook.of(List.of(running("0", "agent0"), running("1", "agent1"),
                running("2", "agent2"), instance("3", null, ScaleSetInstance.PowerState.STARTING, "Creating")), nodes,
                "agent0", 4);
        assertFalse(coming.possible());
        assertTrue(coming.underWay());
        assertEquals("the scale set has 4 of at most 4 agents; on the way: agent2, instance 3", coming.seen());

        ScaleOutOutlook none = ScaleOutOutlook.of(List.of(running("0", "agent0"), running("1", "agent1"),
                instance("2", "agent2", ScaleSetInstance.PowerState.DEALLOCATED, "Succeeded"),
                instance("3", "agent3", ScaleSetInstance.PowerState.RUNNING, "Deleting")), nodes, "agent0", 4);
        assertFalse(none.roomMayCome(), none.seen());
        assertEquals("the scale set has 4 of at most 4 agents and none is on the way", none.seen());
    }

    @Test
    void anInstanceBeingDeletedStillCountsTowardTheMaximumUntilItIsGone() {
        // Chaos scenario (i): held by a pending Terminate, it keeps the scale set's capacity, and the capacity check at
        // its maximum, until Azure deletes it.
        ScaleOutOutlook outlook = ScaleOutOutlook.of(List.of(running("0", "agent0"), running("1", "agent1"),
                instance("2", "agent2", ScaleSetInstance.PowerState.RUNNING, "Deleting")),
                List.of(node("agent0", Node.State.READY), node("agent1", Node.State.READY), node("agent2", Node.State.READY)),
                "agent0", 3);
        assertFalse(outlook.roomMayCome(), outlook.seen());
    }

    @Test
    void withoutAScaleSetNothingScalesOut() {
        assertFalse(ScaleOutOutlook.withoutScaleSet().roomMayCome());
    }
}
