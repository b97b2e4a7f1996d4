package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.NOW;
import static io.harbormaster.capacity.PlanningFixture.minutesAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequest;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.swarm.Node;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GuardRuleTest {
    private static PlanningFixture agents(int n) {
        PlanningFixture cluster = new PlanningFixture();
        for (int i = 0; i < n; i++) {
            cluster.agent("agent-" + i);
        }
        return cluster;
    }

    /** A history whose last check read {@code capacity} and {@code instances} a minute ago. */
    private static CapacityHistory lastRead(long capacity, int instances, CapacityHistory.Expectation expected) {
        return new CapacityHistory(minutesAgo(1), Map.of(), Map.of(), Map.of(), null, expected,
                new CapacityHistory.Reading(capacity, instances, minutesAgo(1)), List.of());
    }

    private static DrainStatus scaleInThatDeletedItsInstance(String hostname) {
        DrainRequest request = new DrainRequest("req-" + hostname, hostname, "id-" + hostname, DrainReason.SCALE_IN, true,
                NOW.plus(Duration.ofMinutes(10)), minutesAgo(5));
        return new DrainStatus(request, DrainState.REMOVED, true, 0, 0, false, true, null, null, null, null, 6, null,
                NOW.minusSeconds(20));
    }

    @Test
    void aClusterWhoseScaleSetAndSwarmAgreeIsQuiet() {
        GuardRule.Verdict verdict = GuardRule.judge(agents(3).context());
        assertFalse(verdict.tripped());
        assertEquals(List.of(), verdict.reasons());
    }

    @Test
    void halfTheManagersOrMoreUnreachableTripsIt() {
        PlanningFixture cluster = agents(2);
        cluster.manager("m0", Node.Reachability.REACHABLE);
        cluster.manager("m1", Node.Reachability.REACHABLE);
        cluster.manager("m2", Node.Reachability.UNREACHABLE);
        assertFalse(GuardRule.judge(cluster.context()).tripped(), "two of three: a majority");
        cluster.manager("m3", Node.Reachability.UNKNOWN);
        GuardRule.Verdict verdict = GuardRule.judge(cluster.context());
        assertTrue(verdict.tripped(), "two of four is no majority");
        assertTrue(verdict.reasons().contains("only 2 of 4 managers are reachable: the managers' majority is in doubt"),
                verdict.reasons()::toString);
    }

    @Test
    void capacityZeroWhileWorkersAreReadyTripsIt() {
        PlanningFixture cluster = agents(3);
        cluster.capacity = 0L;
        GuardRule.Verdict verdict = GuardRule.judge(cluster.context());
        assertTrue(verdict.tripped());
        assertTrue(verdict.reasons().contains("the scale set reports capacity 0 while 3 worker nodes are ready"), verdict.reasons()::toString);
    }

    @Test
    void aSuddenDropTripsItUnlessOurScaleInsExplainIt() {
        PlanningFixture cluster = agents(2);
        cluster.history = lastRead(5, 5, null);
        GuardRule.Verdict unexplained = GuardRule.judge(cluster.context());
        assertEquals(List.of("the instance count dropped from 5 to 2 since the check at " + minutesAgo(1),
                "the capacity dropped from 5 to 2 since the check at " + minutesAgo(1)), unexplained.reasons());

        cluster.drains.add(scaleInThatDeletedItsInstance("gone-1"));
        cluster.drains.add(scaleInThatDeletedItsInstance("gone-2"));
        assertFalse(GuardRule.judge(cluster.context()).tripped(), "two of the three are our scale-ins: one is not sudden");
    }

    @Test
    void anAnnouncedCapacityExplainsADropToIt() {
        PlanningFixture cluster = agents(2);
        cluster.history = lastRead(5, 5, new CapacityHistory.Expectation(2, minutesAgo(2)));
        assertFalse(GuardRule.judge(cluster.context()).tripped());
    }

    @Test
    void aDropIsSuddenWhenAtLeastTwoAndMoreThanHalfAreUnexplained() {
        assertTrue(GuardRule.suddenDrop(10, 4, 0, Long.MAX_VALUE));
        assertFalse(GuardRule.suddenDrop(10, 5, 0, Long.MAX_VALUE), "half is not more than half");
        assertTrue(GuardRule.suddenDrop(3, 1, 0, Long.MAX_VALUE));
        assertFalse(GuardRule.suddenDrop(2, 1, 0, Long.MAX_VALUE), "one is not two");
        assertFalse(GuardRule.suddenDrop(10, 4, 2, Long.MAX_VALUE), "two of six explained");
        assertFalse(GuardRule.suddenDrop(10, 4, 0, 4), "announced");
    }
}
