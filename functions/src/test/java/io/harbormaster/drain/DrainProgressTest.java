package io.harbormaster.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DrainProgressTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final Duration LEAVE = Duration.ofMinutes(30);

    private static DrainStatus status(boolean deleteInstance) {
        return status(DrainReason.SCALE_IN, deleteInstance);
    }

    private static DrainStatus status(DrainReason reason, boolean deleteInstance) {
        return DrainStatus.requested(new DrainRequest("req-1", "worker-1", "node-1", reason,
                deleteInstance, T0.plus(Duration.ofMinutes(10)), T0));
    }

    private static Node node(Node.Availability availability, Node.State state, Map<String, String> labels) {
        return new Node("node-1", 7, "worker-1", SwarmRole.WORKER, availability, state, labels, Resources.NONE, T0);
    }

    private static Node marked(Node.State state) {
        return node(Node.Availability.DRAIN, state, Map.of(DrainProgress.REQUEST_LABEL, "req-1", "zone", "a"));
    }

    private static Task task(String id, String nodeId, String desired, String state) {
        return new Task(id, "svc-1", nodeId, desired, state, "", Resources.NONE, T0);
    }

    @Test
    void firstMarksTheNodeKeepingItsOtherLabels() {
        Node active = node(Node.Availability.ACTIVE, Node.State.READY, Map.of("zone", "a"));
        DrainDecision decision = DrainProgress.next(status(false),
                new DrainSnapshot(Optional.of(active), List.of(task("t1", "node-1", "running", "running")), List.of()), T0, LEAVE);
        DrainAction.MarkNode mark = assertInstanceOf(DrainAction.MarkNode.class, decision.action());
        assertEquals(Map.of("zone", "a", DrainProgress.REQUEST_LABEL, "req-1"), mark.labels());
    }

    @Test
    void aNodeDrainedForAnotherRequestIsMarkedForThisOne() {
        Node other = node(Node.Availability.DRAIN, Node.State.READY, Map.of(DrainProgress.REQUEST_LABEL, "req-0"));
        DrainDecision decision = DrainProgress.next(status(false), new DrainSnapshot(Optional.of(other), List.of(), List.of()), T0, LEAVE);
        assertInstanceOf(DrainAction.MarkNode.class, decision.action());
    }

    @Test
    void waitsWhileTasksAreOnTheNodeOrTheirReplacementsAreNotRunning() {
        DrainSnapshot onNode = new DrainSnapshot(Optional.of(marked(Node.State.READY)),
                List.of(task("t1", "node-1", "shutdown", "running")), List.of(task("t2", "node-2", "running", "running")));
        DrainDecision stillThere = DrainProgress.next(status(false), onNode, T0, LEAVE);
        assertInstanceOf(DrainAction.CheckAgain.class, stillThere.action());
        assertEquals(DrainState.DRAINING, stillThere.status().state());
        assertEquals(1, stillThere.status().tasksRemaining());

        DrainSnapshot starting = new DrainSnapshot(Optional.of(marked(Node.State.READY)),
                List.of(task("t1", "node-1", "shutdown", "shutdown")), List.of(task("t2", "node-2", "running", "starting")));
        DrainDecision pending = DrainProgress.next(status(false), starting, T0, LEAVE);
        assertInstanceOf(DrainAction.CheckAgain.class, pending.action());
        assertEquals(0, pending.status().tasksRemaining());
        assertEquals(1, pending.status().replacementsPending());
    }

    @Test
    void drainedNodeThatIsStillUpWaitsToGoDownThenStopsWaitingAtTheLeaveTimeout() {
        DrainSnapshot empty = new DrainSnapshot(Optional.of(marked(Node.State.READY)),
                List.of(task("t1", "node-1", "shutdown", "shutdown")), List.of(task("t2", "node-2", "running", "running")));
        DrainDecision waiting = DrainProgress.next(status(false), empty, T0, LEAVE);
        assertInstanceOf(DrainAction.CheckAgain.class, waiting.action());
        assertEquals(DrainState.DRAINED, waiting.status().state());
        assertEquals(T0, waiting.status().drainedAt());

        DrainDecision later = DrainProgress.next(waiting.status(), empty, T0.plus(LEAVE), LEAVE);
        assertInstanceOf(DrainAction.Finish.class, later.action());
        assertTrue(later.status().finished());
        assertEquals(DrainState.DRAINED, later.status().state());
    }

    @Test
    void aDrainedShutdownDrainRemovesItsStillReadyNodeBecauseItIsLeaving() {
        DrainSnapshot empty = new DrainSnapshot(Optional.of(marked(Node.State.READY)), List.of(), List.of());
        DrainDecision shutdown = DrainProgress.next(status(DrainReason.SHUTDOWN, false), empty, T0, LEAVE);
        assertEquals(DrainState.DRAINED, shutdown.status().state());
        assertEquals(new DrainAction.RemoveNode("node-1", DrainAction.RemoveNode.Because.LEAVING), shutdown.action());

        // Any other drain of a node that is still up waits for it to go down.
        for (DrainReason reason : List.of(DrainReason.MANUAL, DrainReason.TERMINATE_NOTIFICATION, DrainReason.PREEMPT)) {
            assertInstanceOf(DrainAction.CheckAgain.class, DrainProgress.next(status(reason, false), empty, T0, LEAVE).action(),
                    reason.wireName());
        }
    }

    @Test
    void drainedNodeThatIsDownIsRemoved() {
        DrainDecision decision = DrainProgress.next(status(false),
                new DrainSnapshot(Optional.of(marked(Node.State.DOWN)), List.of(), List.of()), T0, LEAVE);
        assertEquals(new DrainAction.RemoveNode("node-1"), decision.action());
    }

    @Test
    void aDownNodesTasksDoNotHoldTheDrainOnceTheirReplacementsRun() {
        // Swarm still lists the down node's tasks as running, and starts their replicas elsewhere.
        DrainSnapshot replacing = new DrainSnapshot(Optional.of(marked(Node.State.DOWN)),
                List.of(task("t1", "node-1", "running", "running")), List.of(task("t2", "node-2", "running", "starting")));
        DrainDecision waiting = DrainProgress.next(status(DrainReason.TERMINATE_NOTIFICATION, false), replacing, T0, LEAVE);
        assertInstanceOf(DrainAction.CheckAgain.class, waiting.action());
        assertEquals(0, waiting.status().tasksRemaining());
        assertEquals(1, waiting.status().replacementsPending());

        DrainSnapshot replaced = new DrainSnapshot(Optional.of(marked(Node.State.DOWN)),
                List.of(task("t1", "node-1", "running", "running")), List.of(task("t2", "node-2", "running", "running")));
        DrainDecision done = DrainProgress.next(status(DrainReason.TERMINATE_NOTIFICATION, false), replaced, T0, LEAVE);
        assertEquals(DrainState.DRAINED, done.status().state());
        assertEquals(new DrainAction.RemoveNode("node-1"), done.action());
    }

    @Test
    void instanceIsDeletedOnlyAfterTheNodeIsDrained() {
        DrainSnapshot busy = new DrainSnapshot(Optional.of(marked(Node.State.READY)),
                List.of(task("t1", "node-1", "running", "running")), List.of());
        assertInstanceOf(DrainAction.CheckAgain.class, DrainProgress.next(status(true), busy, T0, LEAVE).action());

        DrainSnapshot empty = new DrainSnapshot(Optional.of(marked(Node.State.READY)), List.of(), List.of());
        assertEquals(new DrainAction.DeleteInstance("worker-1"), DrainProgress.next(status(true), empty, T0, LEAVE).action());

        DrainStatus deleted = status(true).withInstanceDeleted();
        DrainDecision afterDelete = DrainProgress.next(deleted, empty, T0, LEAVE);
        assertInstanceOf(DrainAction.CheckAgain.class, afterDelete.action(), "waits for the node to go down");
    }

    @Test
    void pastTheDeadlineAShutdownDrainIsRecordedAsTimedOutAndRemovalGoesAhead() {
        // Still up with a task on it (a down node's tasks no longer count: swarm replaces them).
        DrainSnapshot busy = new DrainSnapshot(Optional.of(marked(Node.State.READY)),
                List.of(task("t1", "node-1", "running", "running")), List.of());
        DrainDecision decision = DrainProgress.next(status(DrainReason.SHUTDOWN, false), busy, T0.plus(Duration.ofMinutes(10)), LEAVE);
        assertTrue(decision.status().timedOut());
        assertEquals(DrainState.TIMED_OUT, decision.status().state());
        assertInstanceOf(DrainAction.CheckAgain.class, decision.action(), "on to removal once the node goes down");
        DrainDecision down = DrainProgress.next(decision.status(), new DrainSnapshot(Optional.of(marked(Node.State.DOWN)),
                List.of(task("t1", "node-1", "running", "running")), List.of()), T0.plus(Duration.ofMinutes(11)), LEAVE);
        assertEquals(DrainState.TIMED_OUT, down.status().state());
        assertEquals(new DrainAction.RemoveNode("node-1"), down.action());
    }

    @Test
    void pastTheDeadlineATerminateDrainStillDeletesTheInstanceItWasAskedTo() {
        DrainSnapshot busy = new DrainSnapshot(Optional.of(marked(Node.State.READY)),
                List.of(task("t1", "node-1", "running", "running")), List.of());
        DrainDecision decision = DrainProgress.next(status(DrainReason.TERMINATE_NOTIFICATION, true), busy,
                T0.plus(Duration.ofMinutes(10)), LEAVE);
        assertEquals(DrainState.TIMED_OUT, decision.status().state());
        assertEquals(new DrainAction.DeleteInstance("worker-1"), decision.action());
    }

    @Test
    void pastTheDeadlineScaleInAndManualDrainsGiveTheNodeBackAndKeepTheInstance() {
        DrainSnapshot busy = new DrainSnapshot(Optional.of(marked(Node.State.READY)),
                List.of(task("t1", "node-1", "running", "running")), List.of());
        for (DrainReason reason : List.of(DrainReason.SCALE_IN, DrainReason.MANUAL)) {
            for (boolean deleteInstance : List.of(true, false)) {
                DrainDecision decision = DrainProgress.next(status(reason, deleteInstance), busy,
                        T0.plus(Duration.ofMinutes(10)), LEAVE);
                String what = reason.wireName() + ", deleteInstance " + deleteInstance;
                assertEquals(new DrainAction.Reactivate(marked(Node.State.READY), Map.of("zone", "a")), decision.action(), what);
                assertEquals(DrainState.REACTIVATED, decision.status().state(), what);
                assertTrue(decision.status().timedOut(), what);
                assertFalse(decision.status().finished(), "finished once the node no longer carries the label: " + what);
                assertEquals(1, decision.status().tasksRemaining(), what);
            }
        }
        DrainDecision early = DrainProgress.next(status(true), busy, T0.plus(Duration.ofMinutes(9)), LEAVE);
        assertInstanceOf(DrainAction.CheckAgain.class, early.action(), "before the deadline it waits");
    }

    @Test
    void aReactivatedDrainFinishesOnceTheNodeIsBackAndNeverMarksItAgain() {
        DrainStatus reactivating = status(true).withTimedOut().withState(DrainState.REACTIVATED, false);
        Node back = node(Node.Availability.ACTIVE, Node.State.READY, Map.of("zone", "a"));
        DrainDecision done = DrainProgress.next(reactivating,
                new DrainSnapshot(Optional.of(back), List.of(task("t1", "node-1", "running", "running")), List.of()),
                T0.plus(Duration.ofMinutes(11)), LEAVE);
        assertInstanceOf(DrainAction.Finish.class, done.action());
        assertEquals(DrainState.REACTIVATED, done.status().state());
        assertTrue(done.status().finished());
        assertFalse(done.status().instanceDeleted());

        // The update was lost to a conflict: the node still carries our label, so it is set active again.
        DrainDecision again = DrainProgress.next(reactivating,
                new DrainSnapshot(Optional.of(marked(Node.State.READY)), List.of(), List.of()), T0.plus(Duration.ofMinutes(11)), LEAVE);
        assertInstanceOf(DrainAction.Reactivate.class, again.action());

        // Removed meanwhile by someone else: nothing of ours is left to do, and the instance is not deleted.
        DrainDecision gone = DrainProgress.next(reactivating, new DrainSnapshot(Optional.empty(), List.of(), List.of()),
                T0.plus(Duration.ofMinutes(11)), LEAVE);
        assertInstanceOf(DrainAction.Finish.class, gone.action());
        assertEquals(DrainState.REACTIVATED, gone.status().state());
    }

    @Test
    void aScaleInDrainWhoseInstanceWasDeletedBeforeThisRuleProceedsAsBefore() {
        DrainStatus deleted = status(true).withInstanceDeleted();
        DrainSnapshot busy = new DrainSnapshot(Optional.of(marked(Node.State.READY)),
                List.of(task("t1", "node-1", "running", "running")), List.of());
        DrainDecision decision = DrainProgress.next(deleted, busy, T0.plus(Duration.ofMinutes(10)), LEAVE);
        assertEquals(DrainState.TIMED_OUT, decision.status().state());
        assertFalse(decision.action() instanceof DrainAction.Reactivate, decision.action().toString());
    }

    @Test
    void aNodeAlreadyGoneIsSuccessAfterItsInstanceIsDeleted() {
        DrainSnapshot gone = new DrainSnapshot(Optional.empty(), List.of(), List.of());
        DrainDecision plain = DrainProgress.next(status(false), gone, T0, LEAVE);
        assertInstanceOf(DrainAction.Finish.class, plain.action());
        assertEquals(DrainState.REMOVED, plain.status().state());
        assertTrue(plain.status().finished());

        assertEquals(new DrainAction.DeleteInstance("worker-1"), DrainProgress.next(status(true), gone, T0, LEAVE).action());
        DrainDecision deleted = DrainProgress.next(status(true).withInstanceDeleted(), gone, T0, LEAVE);
        assertEquals(DrainState.REMOVED, deleted.status().state());
        assertFalse(deleted.status().failure() != null);
    }

    @Test
    void aNodeThatLeftBeforeItDrainedCountsAsDrainedBeforeItsInstanceIsDeleted() {
        DrainSnapshot gone = new DrainSnapshot(Optional.empty(), List.of(), List.of());
        Instant now = T0.plusSeconds(7);

        DrainDecision toDelete = DrainProgress.next(status(true), gone, now, LEAVE);
        // On record before the delete: a terminate notification holds the delete until a watcher reads drained.
        assertEquals(DrainState.DRAINED, toDelete.status().state());
        assertEquals(now, toDelete.status().drainedAt());
        assertFalse(toDelete.status().finished());
        assertEquals(new DrainAction.DeleteInstance("worker-1"), toDelete.action());

        DrainDecision removed = DrainProgress.next(status(false), gone, now, LEAVE);
        assertEquals(now, removed.status().drainedAt());
    }

    private static final String NO_ROOM = "no suitable node (insufficient resources on 2 nodes)";

    @Test
    void aShutdownDrainWhoseReplacementsHaveNowhereToGoEndsItsWaitAsStrandedAndSaysWhy() {
        DrainSnapshot stuck = new DrainSnapshot(Optional.of(marked(Node.State.READY)),
                List.of(task("t1", "node-1", "shutdown", "shutdown")),
                List.of(new Task("t2", "svc-1", null, "running", "pending", NO_ROOM, Resources.NONE, T0)), List.of(),
                Optional.of(new ScaleOutOutlook(false, false, "the scale set has 3 of at most 3 agents and none is on the way")));
        DrainDecision decision = DrainProgress.next(status(DrainReason.SHUTDOWN, false), stuck, T0.plusSeconds(3), LEAVE);
        assertEquals(DrainState.STRANDED, decision.status().state());
        assertFalse(decision.status().finished(), "the node is still to be removed once it is down");
        assertInstanceOf(DrainAction.CheckAgain.class, decision.action());
        assertEquals(1, decision.status().replacementsPending());
        assertEquals(T0.plusSeconds(3), decision.status().drainedAt());
        assertTrue(decision.status().stranded().contains(NO_ROOM), decision.status().stranded());
        assertFalse(decision.status().timedOut(), "long before the deadline");

        // Stranded stays so without reading the scale set again, and the node is removed once it is down.
        DrainSnapshot down = new DrainSnapshot(Optional.of(marked(Node.State.DOWN)), stuck.tasksOnNode(),
                stuck.servicesDesiredRunning());
        DrainDecision left = DrainProgress.next(decision.status(), down, T0.plusSeconds(5), LEAVE);
        assertEquals(DrainState.STRANDED, left.status().state());
        assertEquals(new DrainAction.RemoveNode("node-1"), left.action());

        // Should the replacements run after all, the drain is drained, and no longer says it is stranded.
        DrainSnapshot placed = new DrainSnapshot(Optional.of(marked(Node.State.READY)), stuck.tasksOnNode(),
                List.of(task("t2", "node-2", "running", "running")));
        DrainDecision drained = DrainProgress.next(decision.status(), placed, T0.plusSeconds(6), LEAVE);
        assertEquals(DrainState.DRAINED, drained.status().state());
        assertEquals(null, drained.status().stranded());
    }

    @Test
    void aShutdownDrainKeepsWaitingWhileRoomMayComeAndAScaleInDrainIsNeverStranded() {
        List<Task> stopped = List.of(task("t1", "node-1", "shutdown", "shutdown"));
        List<Task> unplaced = List.of(new Task("t2", "svc-1", null, "running", "pending", NO_ROOM, Resources.NONE, T0));
        DrainSnapshot joining = new DrainSnapshot(Optional.of(marked(Node.State.READY)), stopped, unplaced, List.of(),
                Optional.of(new ScaleOutOutlook(false, true, "on the way: worker-3")));
        DrainDecision waits = DrainProgress.next(status(DrainReason.SHUTDOWN, false), joining, T0, LEAVE);
        assertEquals(DrainState.DRAINING, waits.status().state());
        assertInstanceOf(DrainAction.CheckAgain.class, waits.action());

        DrainSnapshot atMax = new DrainSnapshot(Optional.of(marked(Node.State.READY)), stopped, unplaced, List.of(),
                Optional.of(new ScaleOutOutlook(false, false, "at its maximum")));
        DrainDecision scaleIn = DrainProgress.next(status(DrainReason.SCALE_IN, true), atMax, T0, LEAVE);
        assertEquals(DrainState.DRAINING, scaleIn.status().state());
        assertInstanceOf(DrainAction.CheckAgain.class, scaleIn.action());
    }

    private static DrainStatus deallocating() {
        return DrainStatus.requested(new DrainRequest("req-1", "worker-1", "node-1", DrainReason.SCALE_IN,
                InstanceEnd.DEALLOCATE, T0.plus(Duration.ofMinutes(10)), T0, "4"));
    }

    @Test
    void aDeallocatingDrainDeallocatesOnceDrainedThenRemovesTheNodeWhenItGoesDown() {
        DrainSnapshot empty = new DrainSnapshot(Optional.of(marked(Node.State.READY)),
                List.of(task("t1", "node-1", "shutdown", "shutdown")), List.of(task("t2", "node-2", "running", "running")));
        DrainDecision drained = DrainProgress.next(deallocating(), empty, T0, LEAVE);
        assertInstanceOf(DrainAction.DeallocateInstance.class, drained.action());
        assertEquals(DrainState.DRAINED, drained.status().state());
        assertFalse(drained.status().finished());

        DrainStatus started = drained.status().withInstanceDeallocated();
        DrainAction.RemoveNode whileUp = assertInstanceOf(DrainAction.RemoveNode.class,
                DrainProgress.next(started, empty, T0.plus(LEAVE).plusSeconds(1), LEAVE).action());
        assertEquals(DrainAction.RemoveNode.Because.INSTANCE_DEALLOCATED, whileUp.because(),
                "not given up at the leave timeout: the node goes once the VM is deallocated");

        DrainSnapshot down = new DrainSnapshot(Optional.of(marked(Node.State.DOWN)), List.of(), List.of());
        DrainAction.RemoveNode gone = assertInstanceOf(DrainAction.RemoveNode.class,
                DrainProgress.next(started, down, T0, LEAVE).action());
        assertEquals(DrainAction.RemoveNode.Because.DOWN, gone.because());

        DrainDecision removed = DrainProgress.next(started, new DrainSnapshot(Optional.empty(), List.of(), List.of()), T0, LEAVE);
        assertInstanceOf(DrainAction.Finish.class, removed.action());
        assertEquals(DrainState.REMOVED, removed.status().state());
        assertTrue(removed.status().finished());
    }

    @Test
    void aDeallocatingDrainWhoseNodeLeftFirstStillDeallocatesItsInstance() {
        DrainDecision gone = DrainProgress.next(deallocating(), new DrainSnapshot(Optional.empty(), List.of(), List.of()), T0, LEAVE);
        assertInstanceOf(DrainAction.DeallocateInstance.class, gone.action());
        assertEquals(DrainState.DRAINED, gone.status().state());
    }

    @Test
    void aDeallocatingDrainPastItsDeadlineGivesTheNodeBackAndKeepsTheVmRunning() {
        DrainSnapshot stuck = new DrainSnapshot(Optional.of(marked(Node.State.READY)),
                List.of(task("t1", "node-1", "running", "running")), List.of(task("t1", "node-1", "running", "running")));
        DrainDecision late = DrainProgress.next(deallocating(), stuck, T0.plus(Duration.ofMinutes(11)), LEAVE);
        assertInstanceOf(DrainAction.Reactivate.class, late.action());
        assertEquals(DrainState.REACTIVATED, late.status().state());
        assertFalse(late.status().instanceDeallocated());
    }
}
