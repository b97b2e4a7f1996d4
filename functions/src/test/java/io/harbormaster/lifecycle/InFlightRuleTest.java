package io.harbormaster.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class InFlightRuleTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private final RebalanceFixture cluster = new RebalanceFixture();
    private final Node a = cluster.worker("a");
    private final Node c = cluster.worker("c");
    private final MoveIntent intent = new MoveIntent(8, RebalanceFixture.NOW.minusSeconds(5));
    private Service web = cluster.service("web", 8);

    private RebalanceMove judge(long replicas) {
        web = cluster.relabel(web, intent.labelsOn(web), replicas);
        return InFlightRule.judge(web, intent, cluster.view().tasksOf(web.id()), RebalanceFixture.NOW, TIMEOUT);
    }

    @Test
    void waitsWhileTheExtraTaskStartsAndFinishesOnceItRuns() {
        cluster.running(web, a, 8);
        cluster.task(web, c, "starting");
        assertNull(judge(9));
        cluster.tasks.remove(cluster.tasks.size() - 1);
        cluster.running(web, c, 1);
        RebalanceMove.Finish finish = assertInstanceOf(RebalanceMove.Finish.class, judge(9));
        assertEquals(false, finish.undo());
        assertEquals("rebalance web: finish the move (scale 9 -> 8)", finish.summary());
    }

    @Test
    void undoesAMoveWhoseExtraTaskDoesNotRunInTime() {
        cluster.running(web, a, 8);
        cluster.task(web, null, "pending");
        web = cluster.relabel(web, intent.labelsOn(web), 9);
        RebalanceMove late = InFlightRule.judge(web, intent, cluster.view().tasksOf(web.id()),
                intent.since().plus(TIMEOUT), TIMEOUT);
        assertTrue(assertInstanceOf(RebalanceMove.Finish.class, late).undo());
    }

    @Test
    void aUsersReplicaCountWinsAndOnlyTheRecordIsDropped() {
        cluster.running(web, a, 9);
        RebalanceMove drop = judge(12);
        assertInstanceOf(RebalanceMove.DropIntent.class, drop);
        assertEquals("its replicas were set to 12 since the move scaled it to 9: that count stands", drop.reason());
    }
}
