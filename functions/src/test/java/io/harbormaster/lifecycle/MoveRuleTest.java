package io.harbormaster.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MoveRuleTest {
    private final RebalanceFixture cluster = new RebalanceFixture();
    private final Node a = cluster.worker("a");
    private final Node b = cluster.worker("b");
    private final Node c = cluster.worker("c");

    private MoveRule.Verdict judge(Service service) {
        return MoveRule.judge(service, ServiceSpread.of(List.of(a, b, c), cluster.view().tasksOf(service.id())),
                Headroom.of(cluster.view()), cluster.tasks, RebalanceFixture.NOW);
    }

    @Test
    void movesFromTheMostCrowdedNodeToTheLightestWithRecordedIntent() {
        Service web = cluster.service("web", 8);
        cluster.running(web, a, 4);
        cluster.running(web, b, 4);
        MoveRule.Verdict verdict = judge(web);
        assertEquals("a", verdict.start().from());
        assertEquals("c", verdict.start().to());
        assertEquals(new MoveIntent(8, RebalanceFixture.NOW), verdict.start().intent());
        assertEquals(4, verdict.gap());
        assertEquals("rebalance web: move a task from a to c (scale 8 -> 9)", verdict.start().summary());
    }

    @Test
    void anEvenServiceIsLeftAlone() {
        Service web = cluster.service("web", 5);
        cluster.running(web, a, 2);
        cluster.running(web, b, 2);
        cluster.running(web, c, 1);
        MoveRule.Verdict verdict = judge(web);
        assertNull(verdict.start());
        assertNull(verdict.note());
    }

    @Test
    void aTargetWithoutRoomForTheReservationIsPassedOverAndNoneMeansNoMove() {
        Service big = cluster.service("big", 3, new Resources(RebalanceFixture.CPU, 0), List.of(), Map.of(), List.of());
        cluster.running(big, a, 2);
        cluster.running(big, b, 1);
        Service filler = cluster.service("filler", 1, new Resources(2 * RebalanceFixture.CPU, 0), List.of(), Map.of(),
                List.of());
        cluster.running(filler, c, 1);
        MoveRule.Verdict verdict = judge(big);
        assertNull(verdict.start());
        assertEquals("big is uneven (a=2 b=1 c=0) but its lighter nodes lack room for its reservation", verdict.note());
    }

    @Test
    void amongEqualTargetsTheNodeWithFewerTasksInAllIsTheSchedulersPick() {
        Service web = cluster.service("web", 4);
        cluster.running(web, a, 4);
        cluster.running(cluster.service("other", 2), b, 2);
        assertEquals("c", judge(web).start().to());
    }

    @Test
    void aTaskReservingAGpuMovesOnlyToANodeWithAGpuFree() {
        RebalanceFixture gpus = new RebalanceFixture();
        // "a-cpu" is the scheduler's pick on CPU and memory alone: fewest tasks, first by name.
        Node cpu = gpus.worker("a-cpu");
        Node big = gpus.worker("big", Map.of("gpu", 3L));
        Node spare = gpus.worker("spare", Map.of("gpu", 1L));
        Node taken = gpus.worker("b-taken", Map.of("gpu", 1L));
        Service train = gpus.service("train", 3, new Resources(0, 0, Map.of("gpu", 1L)), List.of(), Map.of(), List.of());
        gpus.running(train, big, 3);
        Service other = gpus.service("other", 1, new Resources(0, 0, Map.of("gpu", 1L)), List.of(), Map.of(), List.of());
        gpus.running(other, taken, 1);

        MoveRule.Verdict verdict = MoveRule.judge(train, ServiceSpread.of(List.of(cpu, big, spare, taken),
                gpus.view().tasksOf(train.id())), Headroom.of(gpus.view()), gpus.tasks, RebalanceFixture.NOW);
        assertEquals("big", verdict.start().from());
        assertEquals("spare", verdict.start().to(), "the one node with a gpu free");
    }

    @Test
    void withNoGpuFreeOnTheLighterNodesThereIsNoMove() {
        RebalanceFixture gpus = new RebalanceFixture();
        Node cpu = gpus.worker("a-cpu");
        Node big = gpus.worker("big", Map.of("gpu", 2L));
        Service train = gpus.service("train", 2, new Resources(0, 0, Map.of("gpu", 1L)), List.of(), Map.of(), List.of());
        gpus.running(train, big, 2);

        MoveRule.Verdict verdict = MoveRule.judge(train, ServiceSpread.of(List.of(cpu, big),
                gpus.view().tasksOf(train.id())), Headroom.of(gpus.view()), gpus.tasks, RebalanceFixture.NOW);
        assertNull(verdict.start());
        assertEquals("train is uneven (a-cpu=0 big=2) but its lighter nodes lack room for its reservation", verdict.note());
    }
}
