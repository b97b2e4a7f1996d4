package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequest;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class NodelessInstanceRuleTest {
    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private static final CapacityPolicy POLICY = CapacityPolicy.DEFAULTS; // provisioning timeout 15m, rejoin grace 15m
    private static final ScaleSetInstance OLD = new ScaleSetInstance("7", "agent000007", ScaleSetInstance.PowerState.RUNNING,
            "Succeeded", NOW.minus(Duration.ofDays(3)), false);

    private static Instant ago(int minutes) {
        return NOW.minus(Duration.ofMinutes(minutes));
    }

    private static DrainStatus drain(DrainReason reason, DrainState state, boolean finished, Instant requestedAt,
            Instant updatedAt, String instanceId) {
        DrainRequest request = new DrainRequest("req-1", "agent000007", "id-old-node", reason, instanceId != null,
                requestedAt.plus(Duration.ofMinutes(10)), requestedAt, instanceId);
        return new DrainStatus(request, state, finished, 0, 0, false, false, null, null, null, null, 4, null, updatedAt);
    }

    @Test
    void anInstanceNoCheckSawWithANodeAndNoDrainHadNeverJoined() {
        NodelessInstanceRule.Verdict verdict = NodelessInstanceRule.judge(OLD, ago(1), null, null, POLICY, NOW);
        assertEquals(NodelessInstanceRule.Kind.NEVER_JOINED, verdict.kind());
        assertTrue(verdict.overdue());
        assertEquals(OLD.createdAt(), verdict.since(), "counted from its creation");
        assertNull(verdict.evidence());
        assertEquals("never joined the swarm", verdict.describe(NOW));
    }

    @Test
    void aNewInstanceIsJoiningUntilTheProvisioningTimeout() {
        ScaleSetInstance fresh = new ScaleSetInstance("8", "agent000008", ScaleSetInstance.PowerState.RUNNING, "Creating",
                ago(5), false);
        NodelessInstanceRule.Verdict verdict = NodelessInstanceRule.judge(fresh, ago(4), null, null, POLICY, NOW);
        assertEquals(NodelessInstanceRule.Kind.JOINING, verdict.kind());
        assertFalse(verdict.overdue());
        assertEquals(ago(5).plus(POLICY.provisioningTimeout()), verdict.until());
    }

    @Test
    void anInstanceSeenWithANodeHasTheRejoinGraceFromWhenItWasFirstSeenWithout() {
        NodelessInstanceRule.Verdict rejoining = NodelessInstanceRule.judge(OLD, ago(2), ago(3), null, POLICY, NOW);
        assertEquals(NodelessInstanceRule.Kind.REJOINING, rejoining.kind());
        assertEquals(ago(2), rejoining.since());
        assertEquals(ago(2).plus(POLICY.rejoinGrace()), rejoining.until());
        assertTrue(rejoining.describe(NOW).contains("lost its swarm node 2m ago (last seen with one at " + ago(3)),
                rejoining.describe(NOW));

        NodelessInstanceRule.Verdict left = NodelessInstanceRule.judge(OLD, ago(16), ago(17), null, POLICY, NOW);
        assertEquals(NodelessInstanceRule.Kind.LEFT, left.kind());
        assertTrue(left.overdue());
    }

    @Test
    void aShutdownDrainThatRemovedTheNodeShowsItJoinedAndStartsTheGraceWhenItEnded() {
        // No history (a new deploy, a history lost): the drain alone shows that the instance had a node.
        DrainStatus shutdown = drain(DrainReason.SHUTDOWN, DrainState.REMOVED, true, ago(3), ago(1), null);
        NodelessInstanceRule.Verdict verdict = NodelessInstanceRule.judge(OLD, NOW, null, shutdown, POLICY, NOW);
        assertEquals(NodelessInstanceRule.Kind.REJOINING, verdict.kind());
        assertEquals(NOW, verdict.since(), "the later of the drain's end and the first check without a node");
        assertTrue(verdict.evidence().contains("drain req-1 (shutdown) removed it at " + ago(1)), verdict.evidence());

        // The drain ended later than the history's first sight of the instance without a node: the grace runs from it.
        NodelessInstanceRule.Verdict later = NodelessInstanceRule.judge(OLD, ago(20), ago(21), shutdown, POLICY, NOW);
        assertEquals(NodelessInstanceRule.Kind.REJOINING, later.kind());
        assertEquals(ago(1), later.since());

        NodelessInstanceRule.Verdict past = NodelessInstanceRule.judge(OLD, ago(16),
                null, drain(DrainReason.SHUTDOWN, DrainState.REMOVED, true, ago(20), ago(16), null), POLICY, NOW);
        assertEquals(NodelessInstanceRule.Kind.LEFT, past.kind());
    }

    @Test
    void aDrainOfAnEarlierVmOfTheSameNameShowsNothing() {
        ScaleSetInstance recreated = new ScaleSetInstance("9", "agent000007", ScaleSetInstance.PowerState.RUNNING,
                "Succeeded", ago(20), false);
        DrainStatus earlier = drain(DrainReason.SHUTDOWN, DrainState.REMOVED, true, ago(60), ago(58), null);
        assertEquals(NodelessInstanceRule.Kind.NEVER_JOINED,
                NodelessInstanceRule.judge(recreated, ago(19), null, earlier, POLICY, NOW).kind(), "requested before it existed");
        DrainStatus ofAnother = drain(DrainReason.SCALE_IN, DrainState.REMOVED, true, ago(10), ago(9), "3");
        assertEquals(NodelessInstanceRule.Kind.NEVER_JOINED,
                NodelessInstanceRule.judge(recreated, ago(19), null, ofAnother, POLICY, NOW).kind(), "it recorded another instance");
        DrainStatus ofThis = drain(DrainReason.SCALE_IN, DrainState.REMOVED, true, ago(10), ago(9), "9");
        assertEquals(NodelessInstanceRule.Kind.REJOINING,
                NodelessInstanceRule.judge(recreated, ago(8), null, ofThis, POLICY, NOW).kind());
    }

    @Test
    void anInstanceWithoutACreationTimeIsTimedFromWhenItWasFirstSeenWithoutANode() {
        ScaleSetInstance undated = new ScaleSetInstance("10", "agent00000a", ScaleSetInstance.PowerState.RUNNING,
                "Succeeded", null, false);
        assertEquals(NodelessInstanceRule.Kind.JOINING,
                NodelessInstanceRule.judge(undated, ago(14), null, null, POLICY, NOW).kind());
        assertEquals(NodelessInstanceRule.Kind.NEVER_JOINED,
                NodelessInstanceRule.judge(undated, ago(15), null, null, POLICY, NOW).kind());
    }
}
