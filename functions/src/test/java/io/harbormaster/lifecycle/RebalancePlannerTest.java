package io.harbormaster.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.SwarmRole;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RebalancePlannerTest {
    private static final RebalanceSettings TWO = new RebalanceSettings(true, 2, Duration.ofMinutes(2));
    private final RebalanceFixture cluster = new RebalanceFixture();
    private final Node a = cluster.worker("a");
    private final Node b = cluster.worker("b");
    private final Node c = cluster.worker("c");
    private final Node d = cluster.worker("d");

    private Service crowded(String name) {
        Service service = cluster.service(name, 8);
        cluster.running(service, a, 4);
        cluster.running(service, b, 4);
        return service;
    }

    private List<String> summaries(RebalancePlan plan) {
        return plan.moves().stream().map(RebalanceMove::summary).toList();
    }

    @Test
    void oneMovePerServiceAndAtMostTheMaximumAtOnceTheMostUnevenFirst() {
        crowded("api");
        crowded("web");
        Service slight = cluster.service("jobs", 3);
        cluster.running(slight, a, 3);
        RebalancePlan plan = RebalancePlanner.plan(cluster.view(), new RebalanceSettings(true, 2, Duration.ofMinutes(2)), null);
        assertEquals(List.of("rebalance api: move a task from a to c (scale 8 -> 9)",
                "rebalance web: move a task from a to c (scale 8 -> 9)"), summaries(plan));
        assertEquals(List.of("1 more service(s) wait: at most 2 moves at once (HARBORMASTER_REBALANCE_MAX_MOVES)"), plan.notes());
        assertEquals(3, plan.wanted());
        assertFalse(plan.settled());
    }

    @Test
    void movesUnderWayCountAgainstTheMaximumAndAreFinishedWhenTheirTaskRuns() {
        Service web = crowded("web");
        cluster.running(web, c, 1);
        cluster.relabel(web, new MoveIntent(8, RebalanceFixture.NOW).labelsOn(web), 9);
        Service api = crowded("api");
        cluster.task(api, c, "starting");
        cluster.relabel(api, new MoveIntent(8, RebalanceFixture.NOW).labelsOn(api), 9);
        crowded("zeta");
        RebalancePlan plan = RebalancePlanner.plan(cluster.view(), TWO, null);
        // d, not c: as many of zeta's tasks (none), fewer tasks in all, as swarm's scheduler breaks the tie.
        assertEquals(List.of("rebalance web: finish the move (scale 9 -> 8)",
                "rebalance zeta: move a task from a to d (scale 8 -> 9)"), summaries(plan));
        assertEquals(1, plan.underWay());
    }

    @Test
    void aHoldStartsNothingButStillEndsMovesUnderWay() {
        Service web = crowded("web");
        cluster.running(web, c, 1);
        cluster.relabel(web, new MoveIntent(8, RebalanceFixture.NOW).labelsOn(web), 9);
        crowded("api");
        RebalancePlan plan = RebalancePlanner.plan(cluster.view(), TWO, "the capacity plan scales out");
        assertEquals(List.of("rebalance web: finish the move (scale 9 -> 8)"), summaries(plan));
        assertEquals(List.of("no new move: the capacity plan scales out"), plan.notes());

        RebalancePlan off = RebalancePlanner.plan(cluster.view(), new RebalanceSettings(false, 2, Duration.ofMinutes(2)), null);
        assertEquals(List.of("no new move: HARBORMASTER_REBALANCE_ENABLED is false"), off.notes());
        assertInstanceOf(RebalanceMove.Finish.class, off.moves().get(0));
    }

    @Test
    void aTaskWaitingForRoomHoldsNewMovesOneHeldByItsConstraintsDoesNot() {
        crowded("web");
        Service stuck = cluster.service("stuck", 1, io.harbormaster.swarm.Resources.NONE, List.of("node.labels.gpu==true"),
                Map.of(), List.of());
        cluster.task(stuck, null, "pending");
        assertEquals(1, RebalancePlanner.plan(cluster.view(), TWO, null).moves().size());

        Service big = cluster.service("big", 1, new io.harbormaster.swarm.Resources(3 * RebalanceFixture.CPU, 0), List.of(),
                Map.of(), List.of());
        cluster.task(big, null, "pending");
        RebalancePlan plan = RebalancePlanner.plan(cluster.view(), TWO, null);
        assertEquals(List.of(), plan.moves());
        assertEquals(List.of("no new move: 1 task(s) with reservations wait for a node: capacity comes first"), plan.notes());
    }

    @Test
    void aTaskWaitingForAGpuHoldsNewMovesAsOneWaitingForCpuDoes() {
        crowded("web");
        Service train = cluster.service("train", 1, new io.harbormaster.swarm.Resources(0, 0, Map.of("gpu", 1L)), List.of(),
                Map.of(), List.of());
        cluster.task(train, null, "pending");
        RebalancePlan plan = RebalancePlanner.plan(cluster.view(), TWO, null);
        assertEquals(List.of(), plan.moves(), "the move's extra task could take the node a scale-out brings for it");
        assertEquals(List.of("no new move: 1 task(s) with reservations wait for a node: capacity comes first"), plan.notes());
    }

    @Test
    void anEvenClusterIsSettledAndAnUnreadableRecordIsDropped() {
        Service web = cluster.service("web", 8);
        for (Node node : List.of(a, b, c, d)) {
            cluster.running(web, node, 2);
        }
        assertTrue(RebalancePlanner.plan(cluster.view(), TWO, null).settled());
        assertTrue(RebalancePlanner.settled(cluster.snapshot()));
        cluster.relabel(web, Map.of(MoveIntent.REPLICAS_LABEL, "x"), 8);
        assertEquals(List.of("rebalance web: drop the move's record, keep 8 replicas"),
                summaries(RebalancePlanner.plan(cluster.view(), TWO, null)));
    }

    @Test
    void theSettledQueryWaitsForMovesUnderWayAndUnevenServices() {
        Service web = crowded("web");
        assertFalse(RebalancePlanner.settled(cluster.snapshot()));
        cluster.task(web, c, "starting");
        cluster.relabel(web, new MoveIntent(8, RebalanceFixture.NOW).labelsOn(web), 9);
        assertFalse(RebalancePlanner.settled(cluster.snapshot()));
    }

    @Test
    void aNodeTheRebalanceHasNotSeenYetHasNotGotItsShareBack() {
        Service web = cluster.service("web", 8);
        for (Node node : List.of(a, b, c, d)) {
            cluster.running(web, node, 2);
        }
        Node rejoined = new Node("id-rejoined", 1, "e", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY,
                Map.of(), RebalanceFixture.AGENT, RebalanceFixture.NOW);
        List<Node> live = new ArrayList<>(cluster.nodes);
        live.add(rejoined);
        assertEquals(Set.of("id-rejoined"), RebalancePlanner.sharesNotBack(cluster.snapshot(), live),
                "settled, but taken before the node rejoined");
        assertEquals(Set.of(), RebalancePlanner.sharesNotBack(cluster.snapshot(), cluster.nodes));
        cluster.task(web, c, "starting");
        cluster.relabel(web, new MoveIntent(8, RebalanceFixture.NOW).labelsOn(web), 9);
        assertEquals(Set.of(a.id(), b.id(), c.id(), d.id(), "id-rejoined"),
                RebalancePlanner.sharesNotBack(cluster.snapshot(), live), "a move under way: no worker is back");
    }

    /** The whole scenario of the test, with swarm's rules played by hand: 4+4 on two nodes, two empty ones join. */
    @Test
    void eightReplicasOnTwoOfFourNodesEndTwoPerNodeInFourMoves() {
        Service web = crowded("web");
        int moves = 0;
        while (true) {
            RebalancePlan plan = RebalancePlanner.plan(cluster.view(), TWO, null);
            if (plan.settled()) {
                break;
            }
            RebalanceMove.Start start = assertInstanceOf(RebalanceMove.Start.class, plan.moves().get(0));
            // Swarm: the extra task goes to the node with the fewest, the scale-down takes one from the most crowded.
            Node to = cluster.nodes.stream().filter(node -> node.hostname().equals(start.to())).findFirst().orElseThrow();
            Node from = cluster.nodes.stream().filter(node -> node.hostname().equals(start.from())).findFirst().orElseThrow();
            cluster.running(web, to, 1);
            cluster.tasks.remove(cluster.tasks.stream().filter(task -> from.id().equals(task.nodeId())).findFirst().orElseThrow());
            moves++;
            assertTrue(moves <= 4, "more moves than needed");
        }
        assertEquals(4, moves);
        for (Node node : List.of(a, b, c, d)) {
            assertEquals(2, cluster.view().tasksOf(web.id()).stream().filter(t -> node.id().equals(t.nodeId())).count());
        }
    }
}
