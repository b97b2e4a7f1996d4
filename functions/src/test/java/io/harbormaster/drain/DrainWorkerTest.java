package io.harbormaster.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.scaleset.ScaleSetException;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.Task;
import io.harbormaster.testsupport.InMemoryAuditTrail;
import io.harbormaster.testsupport.InMemoryDrainQueue;
import io.harbormaster.testsupport.InMemoryDrainStatusStore;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DrainWorkerTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final Duration CHECK = Duration.ofSeconds(2);
    private static final DrainSettings SETTINGS =
            new DrainSettings(CHECK, Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofMinutes(15),
            Duration.ofDays(7));
    private static final DrainOrder SCALE_IN = new DrainOrder(DrainReason.SCALE_IN, true, Optional.empty());

    private final MutableClock clock = new MutableClock(T0);
    private final InMemorySwarm swarm = new InMemorySwarm(clock);
    private final InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);
    private final InMemoryDrainStatusStore statuses = new InMemoryDrainStatusStore();
    private final InMemoryDrainQueue queue = new InMemoryDrainQueue(clock);
    private final DrainRequests requests = new DrainRequests(swarm, statuses, queue, SETTINGS, Optional.of(scaleSet), clock, AuditTrail.NONE);
    private final DrainWorker worker = new DrainWorker(swarm, statuses, queue, Optional.of(scaleSet), SETTINGS, clock,
            Integer.MAX_VALUE, AuditTrail.NONE);

    /** Waits (on the test clock) for the next message to become visible and hands it to the worker, as the trigger would. */
    private DrainWorker.Outcome deliverNext() {
        InMemoryDrainQueue.Sent next = queue.waiting().stream()
                .min((a, b) -> a.visibleAt().compareTo(b.visibleAt()))
                .orElseThrow(() -> new AssertionError("no message is waiting"));
        if (next.visibleAt().isAfter(clock.instant())) {
            clock.set(next.visibleAt());
        }
        InMemoryDrainQueue.Sent due = queue.takeNextDue().orElseThrow();
        return worker.handle(due.text(), due.id());
    }

    private DrainStatus status(String hostname) {
        return statuses.read(hostname).orElseThrow().status();
    }

    private InMemoryDrainQueue.Sent lastSent() {
        List<InMemoryDrainQueue.Sent> sent = queue.sent();
        return sent.get(sent.size() - 1);
    }

    @Test
    void aDrainGoesFromRequestedThroughDrainingAndDrainedToRemovedAsTheSwarmMovesTheTasks() {
        swarm.addWorker("worker-1");
        swarm.addWorker("worker-2");
        swarm.addTask("web", "id-worker-1", "running");
        assertEquals(DrainState.REQUESTED, requests.submit("worker-1", DrainOrder.manual()).status().state());
        // The request itself set the node to drain: swarm is moving the task before the first pass runs.
        Node marked = swarm.node("id-worker-1").orElseThrow();
        assertEquals(Node.Availability.DRAIN, marked.availability());
        assertEquals(status("worker-1").request().requestId(), marked.labels().get(DrainProgress.REQUEST_LABEL));

        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        assertEquals(marked, swarm.node("id-worker-1").orElseThrow(), "the pass found the node marked and left it so");
        assertEquals(DrainState.DRAINING, status("worker-1").state());
        assertEquals(1, status("worker-1").tasksRemaining());
        assertEquals(Duration.ZERO, lastSent().delay(), "a young drain looks again as soon as the queue allows");

        // Swarm shuts the task down and starts its replacement elsewhere; it is not running yet.
        List<Task> replacements = swarm.moveTasks("id-worker-1", "id-worker-2", "starting");
        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        assertEquals(DrainState.DRAINING, status("worker-1").state());
        assertEquals(0, status("worker-1").tasksRemaining());
        assertEquals(1, status("worker-1").replacementsPending());

        swarm.setTaskState(replacements.get(0).id(), "running");
        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        assertEquals(DrainState.DRAINED, status("worker-1").state());
        assertEquals(clock.instant(), status("worker-1").drainedAt());
        assertTrue(swarm.node("id-worker-1").isPresent(), "a node that is still up is never removed");

        swarm.setNodeState("id-worker-1", Node.State.DOWN);
        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        DrainStatus removed = status("worker-1");
        assertEquals(DrainState.REMOVED, removed.state());
        assertTrue(removed.finished());
        assertTrue(swarm.node("id-worker-1").isEmpty());
        assertEquals(List.of(), queue.waiting(), "a finished drain sends no follow-up");
        assertEquals(4, removed.step());
    }

    @Test
    void everyStateChangeAndTheInstanceDeletionAreOnTheAuditTrail() {
        InMemoryAuditTrail audit = new InMemoryAuditTrail();
        DrainRequests audited = new DrainRequests(swarm, statuses, queue, SETTINGS, Optional.of(scaleSet), clock, audit);
        DrainWorker auditedWorker = new DrainWorker(swarm, statuses, queue, Optional.of(scaleSet), SETTINGS, clock,
                Integer.MAX_VALUE, audit);
        swarm.addWorker("worker-1");
        ScaleSetInstance instance = scaleSet.addInstance("worker-1");
        scaleSet.addInstance("worker-2");
        String requestId = audited.submit("worker-1", SCALE_IN).status().request().requestId();
        while (!queue.waiting().isEmpty()) {
            InMemoryDrainQueue.Sent due = queue.takeNextDue().orElseThrow();
            auditedWorker.handle(due.text(), due.id());
        }

        List<String> transitions = audit.of(AuditKind.DRAIN_STATE).stream()
                .map(event -> event.details().getOrDefault("from", "") + ">" + event.details().get("to")).toList();
        assertEquals(List.of(">requested", "requested>drained", "drained>removed"), transitions);
        audit.of(AuditKind.DRAIN_STATE).forEach(event -> {
            assertEquals("worker-1", event.subject());
            assertEquals(requestId, event.details().get("requestId"));
        });
        assertEquals("scale-in, then delete its instance", audit.of(AuditKind.DRAIN_STATE).get(0).reason());
        List<AuditEvent> deleted = audit.of(AuditKind.INSTANCE_DELETED);
        assertEquals(1, deleted.size());
        assertEquals(instance.instanceId(), deleted.get(0).details().get("instanceId"));
        assertEquals(T0, deleted.get(0).at());
    }

    @Test
    void aNodeWhoseInstanceIsStillListedAfterItsDeleteIsNeverRemovedByForce() {
        // Chaos scenario (i): the instance was under a pending Terminate, so the delete came back while the VM still ran.
        swarm.addWorker("worker-1");
        scaleSet.addInstance("worker-1");
        scaleSet.addInstance("worker-2");
        requests.submit("worker-1", SCALE_IN);
        deliverNext();
        scaleSet.holdDeletes();

        deliverNext();

        assertEquals(1, scaleSet.count("deleteInstances"));
        assertEquals(List.of(), swarm.forcedRemovals(), "its VM still runs: the node may be live");
        assertTrue(swarm.node("id-worker-1").isPresent(), "a Ready node is not removed the ordinary way either");
    }

    @Test
    void aScaleInDrainRecordsDrainedInOnePassThenDeletesTheInstanceAndRemovesItsNodeInTheNext() {
        swarm.addWorker("worker-1");
        ScaleSetInstance instance = scaleSet.addInstance("worker-1");
        scaleSet.addInstance("worker-2");
        requests.submit("worker-1", SCALE_IN);

        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        DrainStatus drained = status("worker-1");
        assertEquals(DrainState.DRAINED, drained.state());
        assertEquals(T0, drained.drainedAt());
        assertFalse(drained.instanceDeleted());
        // The agent's watcher approves Azure's Terminate event only once it reads "drained": it must be on record first.
        assertEquals(0, scaleSet.count("deleteInstances"));
        assertEquals(Duration.ZERO, lastSent().delay(), "nothing to wait for before the delete");

        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        assertEquals(T0, clock.instant(), "the follow-up came at once");
        assertEquals(List.of(new InMemoryScaleSet.Call("deleteInstances", List.of(List.of(instance.instanceId())))),
                scaleSet.calls().stream().filter(call -> call.method().equals("deleteInstances")).toList());
        // The deleted VM cannot be live: its node is removed in the same pass, without waiting for swarm to see it down.
        assertTrue(status("worker-1").instanceDeleted());
        assertEquals(DrainState.REMOVED, status("worker-1").state());
        assertTrue(swarm.node("id-worker-1").isEmpty());
        assertEquals(List.of("id-worker-1"), swarm.forcedRemovals());
        assertEquals(1, scaleSet.count("deleteInstances"));
        assertEquals(1, scaleSet.instances().size());
        assertEquals(List.of(), queue.waiting(), "a finished drain sends no follow-up");
    }

    @Test
    void aScaleInDrainPastItsDeadlineGivesTheNodeBackAndKeepsTheInstance() {
        swarm.addWorker("worker-1");
        swarm.addWorker("worker-2");
        // A task that cannot move (a local volume, a host-mode port): Swarm never starts it elsewhere.
        swarm.addTask("db", "id-worker-1", "running");
        scaleSet.addInstance("worker-1");
        requests.submit("worker-1", SCALE_IN);
        deliverNext();
        assertEquals(Node.Availability.DRAIN, swarm.node("id-worker-1").orElseThrow().availability());
        clock.advance(SETTINGS.defaultTimeout());

        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        DrainStatus reactivated = status("worker-1");
        assertEquals(DrainState.REACTIVATED, reactivated.state());
        assertTrue(reactivated.finished());
        assertTrue(reactivated.timedOut());
        assertFalse(reactivated.instanceDeleted());
        assertEquals(1, reactivated.tasksRemaining());
        Node back = swarm.node("id-worker-1").orElseThrow();
        assertEquals(Node.Availability.ACTIVE, back.availability());
        assertNull(back.labels().get(DrainProgress.REQUEST_LABEL));
        assertEquals(0, scaleSet.count("deleteInstances"));
        assertEquals(1, scaleSet.instances().size());
        assertEquals(List.of(), queue.waiting(), "a finished drain sends no follow-up");
    }

    @Test
    void aShutdownDrainPastItsDeadlineStillProceedsToRemoveTheNode() {
        swarm.addWorker("worker-1");
        swarm.addWorker("worker-2");
        swarm.addTask("db", "id-worker-1", "running");
        requests.submit("worker-1", new DrainOrder(DrainReason.SHUTDOWN, false, Optional.empty()));
        deliverNext();
        clock.advance(SETTINGS.defaultTimeout());

        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        assertEquals(DrainState.TIMED_OUT, status("worker-1").state());
        assertEquals(Node.Availability.DRAIN, swarm.node("id-worker-1").orElseThrow().availability(), "never given back");
        assertEquals(List.of(), swarm.forcedRemovals(), "its task runs there until the VM goes: not removed while up");

        swarm.setNodeState("id-worker-1", Node.State.DOWN);
        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        assertEquals(DrainState.REMOVED, status("worker-1").state());
        assertTrue(status("worker-1").timedOut());
        assertTrue(swarm.node("id-worker-1").isEmpty());
    }

    private static final String NO_ROOM = "no suitable node (insufficient resources on 2 nodes)";

    /** What swarm does to a drained node's tasks when no other node has room: stopped, their replacements unplaced. */
    private void strandTasks(String nodeId) {
        for (Task replacement : swarm.moveTasks(nodeId, null, "pending")) {
            swarm.setTaskMessage(replacement.id(), NO_ROOM);
        }
    }

    @Test
    void aShutdownDrainWhoseTasksHaveNowhereToGoIsStrandedAtOnceWhenTheScaleSetIsAtItsMaximum() {
        // Chaos scenario (f): an agent reboots while the scale set is at its maximum and every other agent is full.
        DrainWorker atMost3 = new DrainWorker(swarm, statuses, queue, Optional.of(scaleSet), SETTINGS, clock, 3, AuditTrail.NONE);
        for (String name : List.of("worker-1", "worker-2", "worker-3")) {
            swarm.addWorker(name);
            scaleSet.addInstance(name);
        }
        swarm.addTask("web", "id-worker-1", "running");
        requests.submit("worker-1", new DrainOrder(DrainReason.SHUTDOWN, false, Optional.empty()));
        strandTasks("id-worker-1");
        long listedBefore = scaleSet.count("instances");

        InMemoryDrainQueue.Sent first = queue.takeNextDue().orElseThrow();
        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, atMost3.handle(first.text(), first.id()));
        DrainStatus stranded = status("worker-1");
        assertEquals(DrainState.STRANDED, stranded.state());
        assertEquals(T0, stranded.drainedAt(), "decided in the first pass, not at the deadline");
        assertTrue(stranded.stranded().contains(NO_ROOM), stranded.stranded());
        assertTrue(stranded.stranded().contains("3 of at most 3 agents and none is on the way"), stranded.stranded());
        assertEquals(1, scaleSet.count("instances") - listedBefore, "the scale set is read once, when it decides");

        // The agent leaves: its node goes down and is removed.
        swarm.setNodeState("id-worker-1", Node.State.DOWN);
        InMemoryDrainQueue.Sent next = queue.takeNextDue().orElseThrow();
        assertEquals(DrainWorker.Outcome.FINISHED, atMost3.handle(next.text(), next.id()));
        assertEquals(DrainState.REMOVED, status("worker-1").state());
        assertTrue(swarm.node("id-worker-1").isEmpty());
        assertEquals(1, scaleSet.count("instances") - listedBefore, "a stranded drain does not read it again");
    }

    @Test
    void aShutdownDrainWaitsWhileTheScaleSetCanGrowOrAnAgentIsOnTheWay() {
        DrainWorker atMost3 = new DrainWorker(swarm, statuses, queue, Optional.of(scaleSet), SETTINGS, clock, 3, AuditTrail.NONE);
        swarm.addWorker("worker-1");
        swarm.addWorker("worker-2");
        scaleSet.addInstance("worker-1");
        scaleSet.addInstance("worker-2");
        swarm.addTask("web", "id-worker-1", "running");
        requests.submit("worker-1", new DrainOrder(DrainReason.SHUTDOWN, false, Optional.empty()));
        strandTasks("id-worker-1");

        InMemoryDrainQueue.Sent first = queue.takeNextDue().orElseThrow();
        atMost3.handle(first.text(), first.id());
        assertEquals(DrainState.DRAINING, status("worker-1").state(), "2 of at most 3: the capacity check can add one");

        scaleSet.addInstance("worker-3"); // created, not joined yet
        clock.advance(CHECK);
        InMemoryDrainQueue.Sent second = queue.takeNextDue().orElseThrow();
        atMost3.handle(second.text(), second.id());
        assertEquals(DrainState.DRAINING, status("worker-1").state(), "worker-3 is on the way");
        assertNull(status("worker-1").stranded());
    }

    @Test
    void aTerminateDrainPastItsDeadlineRecordsTimedOutBeforeTheInstanceDelete() {
        swarm.addWorker("worker-1");
        swarm.addWorker("worker-2");
        swarm.addTask("web", "id-worker-1", "running");
        scaleSet.addInstance("worker-1");
        requests.submit("worker-1", new DrainOrder(DrainReason.TERMINATE_NOTIFICATION, true, Optional.empty()));
        deliverNext();
        clock.advance(SETTINGS.defaultTimeout());

        // The task never left: the deadline passed, and the drain goes on record as timed out, still before the delete.
        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        DrainStatus timedOut = status("worker-1");
        assertEquals(DrainState.TIMED_OUT, timedOut.state());
        assertTrue(timedOut.timedOut());
        assertEquals(1, timedOut.tasksRemaining());
        assertEquals(clock.instant(), timedOut.drainedAt());
        assertEquals(0, scaleSet.count("deleteInstances"));

        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        assertEquals(1, scaleSet.count("deleteInstances"));
        assertTrue(status("worker-1").instanceDeleted());
        assertTrue(status("worker-1").timedOut());
    }

    @Test
    void aRetryableScaleSetFailureKeepsTheDrainWithItsErrorAndSchedulesAFollowUp() {
        swarm.addWorker("worker-1");
        scaleSet.addInstance("worker-1");
        requests.submit("worker-1", SCALE_IN);
        deliverNext();
        scaleSet.failNextCall(new ScaleSetException("throttled", true, null));

        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        DrainStatus retrying = status("worker-1");
        assertFalse(retrying.finished());
        assertFalse(retrying.instanceDeleted());
        assertTrue(retrying.lastError().contains("throttled"), retrying.lastError());
        assertEquals(T0, retrying.unreachableSince());
        assertEquals(CHECK.multipliedBy(2), lastSent().delay(), "it backs off while the scale set fails");
        assertEquals(1, scaleSet.instances().size());

        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        DrainStatus recovered = status("worker-1");
        assertTrue(recovered.instanceDeleted());
        assertNull(recovered.lastError());
        assertNull(recovered.unreachableSince());
        assertEquals(List.of(), scaleSet.instances());
    }

    /** ARM's 409 Conflict as AzureScaleSet reports it: another operation holds the instance. */
    private static ScaleSetException concurrentOperation() {
        return new ScaleSetException("Failed to delete instances [0] of scale set agents: HTTP 409 Conflict: The request"
                + " failed due to conflict with a concurrent request.", true, "Conflict", null);
    }

    @Test
    void aDeleteRefusedByAConcurrentOperationKeepsTheDrainAndDeletesOnALaterPass() {
        swarm.addWorker("worker-1");
        scaleSet.addInstance("worker-1");
        requests.submit("worker-1", SCALE_IN);
        deliverNext();

        scaleSet.failNextCallTo("deleteInstances", concurrentOperation());
        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        DrainStatus retrying = status("worker-1");
        assertEquals(DrainState.DRAINED, retrying.state());
        assertFalse(retrying.instanceDeleted());
        assertTrue(retrying.lastError().contains("409 Conflict"), retrying.lastError());
        assertEquals(T0, retrying.unreachableSince());
        assertEquals(CHECK.multipliedBy(2), lastSent().delay(), "it backs off while the other operation runs");

        scaleSet.failNextCallTo("deleteInstances", concurrentOperation());
        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        assertEquals(T0, status("worker-1").unreachableSince(), "the backoff counts from the first refusal");
        assertEquals(CHECK.multipliedBy(2), lastSent().delay());

        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        DrainStatus deleted = status("worker-1");
        assertTrue(deleted.instanceDeleted());
        assertNull(deleted.lastError());
        assertNull(deleted.unreachableSince());
        assertEquals(3, scaleSet.count("deleteInstances"));
        assertEquals(List.of(), scaleSet.instances());
    }

    @Test
    void aConflictThatOutlastsTheUnreachableTimeoutFailsTheDrain() {
        swarm.addWorker("worker-1");
        scaleSet.addInstance("worker-1");
        requests.submit("worker-1", SCALE_IN);
        deliverNext();
        scaleSet.failNextCallTo("deleteInstances", concurrentOperation());
        deliverNext();

        clock.set(T0.plus(SETTINGS.unreachableTimeout()));
        scaleSet.failNextCallTo("deleteInstances", concurrentOperation());
        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        DrainStatus failed = status("worker-1");
        assertEquals(DrainState.FAILED, failed.state());
        assertTrue(failed.failure().startsWith("unreachable for 900 s: scale set: "), failed.failure());
        assertTrue(failed.failure().contains("409 Conflict"), failed.failure());
        assertEquals(1, scaleSet.instances().size(), "nothing was deleted");
    }

    @Test
    void aNonRetryableScaleSetFailureFailsTheDrain() {
        swarm.addWorker("worker-1");
        scaleSet.addInstance("worker-1");
        requests.submit("worker-1", SCALE_IN);
        deliverNext();
        scaleSet.failNextCall(new ScaleSetException("AuthorizationFailed", false, "AuthorizationFailed", null));

        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        DrainStatus failed = status("worker-1");
        assertEquals(DrainState.FAILED, failed.state());
        assertTrue(failed.finished());
        assertTrue(failed.failure().contains("AuthorizationFailed"), failed.failure());
        assertEquals(List.of(), queue.waiting());
        assertEquals(1, scaleSet.instances().size(), "nothing was deleted");
    }

    @Test
    void anUnreachableSwarmIsRetriedUntilTheUnreachableTimeoutThenTheDrainFails() {
        swarm.addWorker("worker-1");
        requests.submit("worker-1", DrainOrder.manual());
        swarm.setUnavailable(true);

        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        assertEquals(T0, status("worker-1").unreachableSince());
        assertTrue(status("worker-1").lastError().contains("no swarm manager answered"), status("worker-1").lastError());
        assertEquals(CHECK.multipliedBy(2), lastSent().delay());

        clock.set(T0.plus(SETTINGS.unreachableTimeout()));
        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        assertEquals(DrainState.FAILED, status("worker-1").state());
        assertTrue(status("worker-1").failure().startsWith("unreachable for 900 s"), status("worker-1").failure());
    }

    @Test
    void aStaleMessageDoesNothing() {
        swarm.addWorker("worker-1");
        swarm.addTask("web", "id-worker-1", "running");
        requests.submit("worker-1", DrainOrder.manual());
        InMemoryDrainQueue.Sent first = queue.waiting().get(0);
        deliverNext();
        long nodeVersion = swarm.node("id-worker-1").orElseThrow().version();
        int writes = statuses.writes();
        int sent = queue.sent().size();

        // The step-0 message again, but not the delivery that claimed step 0: a stale copy.
        assertEquals(DrainWorker.Outcome.STALE, worker.handle(first.text(), "another-message-id"));
        assertEquals(writes, statuses.writes());
        assertEquals(sent, queue.sent().size());
        assertEquals(nodeVersion, swarm.node("id-worker-1").orElseThrow().version());
    }

    @Test
    void twoCopiesOfTheSameStepDeleteTheInstanceOnce() {
        swarm.addWorker("worker-1");
        scaleSet.addInstance("worker-1");
        requests.submit("worker-1", SCALE_IN);
        deliverNext();
        // A copy of the current step's message, as resuming a drain whose chain seemed lost would send.
        requests.resume(status("worker-1"));
        assertEquals(2, queue.waiting().size());

        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        assertEquals(DrainWorker.Outcome.STALE, deliverNext());
        assertEquals(1, scaleSet.count("deleteInstances"));
        assertEquals(List.of(), queue.waiting(), "the one chain ended with the drain");
    }

    @Test
    void aRedeliveryOfTheMessageThatClaimedTheStepRunsThePassAgainAndTheChainGoesOnOnce() {
        swarm.addWorker("worker-1");
        swarm.addTask("web", "id-worker-1", "running");
        requests.submit("worker-1", DrainOrder.manual());
        InMemoryDrainQueue.Sent first = queue.takeNextDue().orElseThrow();
        // Past the first seconds, follow-ups wait the check interval.
        clock.advance(DrainWorker.PROMPT_WINDOW);
        worker.handle(first.text(), first.id());
        InMemoryDrainQueue.Sent followUp = queue.takeNextDue().orElse(null);
        assertNull(followUp, "the follow-up is not visible yet");

        // The same delivery again, as after a crash between recording the step and sending the follow-up.
        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, worker.handle(first.text(), first.id()));
        assertEquals(2, status("worker-1").step());
        clock.advance(CHECK);
        List<DrainWorker.Outcome> outcomes = List.of(deliverNext(), deliverNext());
        assertEquals(List.of(DrainWorker.Outcome.STALE, DrainWorker.Outcome.CHECK_SCHEDULED), outcomes,
                "the follow-up of the first delivery is stale, the one of the redelivery acts");
    }

    @Test
    void aMessageForAnUnknownRequestIsDropped() {
        swarm.addWorker("worker-1");
        String unknown = DrainCodec.message(DrainMessage.of("no-such-request", "worker-1", 0));
        assertEquals(DrainWorker.Outcome.UNKNOWN_REQUEST, worker.handle(unknown, "m-1"));

        requests.submit("worker-1", DrainOrder.manual());
        int writes = statuses.writes();
        Node marked = swarm.node("id-worker-1").orElseThrow();
        // A request of the same node that another one has since replaced.
        String superseded = DrainCodec.message(DrainMessage.of("superseded-request", "worker-1", 0));
        assertEquals(DrainWorker.Outcome.UNKNOWN_REQUEST, worker.handle(superseded, "m-2"));
        assertEquals(writes, statuses.writes());
        assertEquals(1, queue.sent().size(), "only the request's own message");
        assertEquals(marked, swarm.node("id-worker-1").orElseThrow(), "the node is as the current request left it");
    }

    @Test
    void aMessageOfAFinishedDrainIsStale() {
        swarm.addWorker("worker-1");
        requests.submit("worker-1", DrainOrder.manual());
        InMemoryDrainQueue.Sent first = queue.takeNextDue().orElseThrow();
        swarm.setNodeState("id-worker-1", Node.State.DOWN);
        assertEquals(DrainWorker.Outcome.FINISHED, worker.handle(first.text(), first.id()));
        assertNotNull(status("worker-1").drainedAt());

        assertEquals(DrainWorker.Outcome.STALE, worker.handle(first.text(), first.id()));
    }

    // --- drain identity: the instance recorded at request time, never a name looked up later -----------------

    /** The VM of a node rebooted and rejoined the swarm: a new node, with the old one's hostname. */
    private Node rejoin(String hostname, String oldNodeId) {
        swarm.setNodeState(oldNodeId, Node.State.DOWN);
        return swarm.addNode(new Node(oldNodeId + "-rejoined", 1, hostname, SwarmRole.WORKER, Node.Availability.ACTIVE,
                Node.State.READY, Map.of(), InMemorySwarm.AGENT, clock.instant()));
    }

    @Test
    void aNodeThatRejoinedUnderTheSameHostnameGetsANewDrainAndTheOldDrainsMessageIsDropped() {
        swarm.addWorker("worker-1");
        ScaleSetInstance instance = scaleSet.addInstance("worker-1");
        DrainStatus old = requests.submit("worker-1", SCALE_IN).status();
        InMemoryDrainQueue.Sent oldMessage = queue.takeNextDue().orElseThrow();
        Node rejoined = rejoin("worker-1", "id-worker-1");

        DrainRequests.Submission again = requests.submit("worker-1", SCALE_IN);

        assertTrue(again.created(), "not the old node's unfinished drain");
        assertEquals(rejoined.id(), again.status().request().nodeId());
        assertEquals(instance.instanceId(), again.status().request().instanceId());
        assertFalse(again.status().request().requestId().equals(old.request().requestId()));
        assertEquals(again.status(), status("worker-1"));
        Node marked = swarm.node(rejoined.id()).orElseThrow();
        assertEquals(again.status().request().requestId(), marked.labels().get(DrainProgress.REQUEST_LABEL),
                "the new drain marked the new node");
        assertEquals(DrainWorker.Outcome.UNKNOWN_REQUEST, worker.handle(oldMessage.text(), oldMessage.id()));
        assertEquals(marked, swarm.node(rejoined.id()).orElseThrow(), "the old drain's message touched nothing");
        assertEquals(0, scaleSet.count("deleteInstances"));
    }

    @Test
    void theDeleteTargetsTheRecordedInstanceNeverANewOneThatTookItsName() {
        swarm.addWorker("worker-1");
        swarm.addWorker("worker-2");
        ScaleSetInstance recorded = scaleSet.addInstance("worker-1");
        requests.submit("worker-1", SCALE_IN);
        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        assertEquals(DrainState.DRAINED, status("worker-1").state());
        // The recorded VM goes by another hand, and a new one takes its name before our delete runs.
        scaleSet.deleteInstances(List.of(recorded.instanceId()));
        ScaleSetInstance newcomer = scaleSet.addInstance("worker-1");

        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());

        assertTrue(status("worker-1").instanceDeleted(), "the recorded instance is gone, as was wanted");
        assertEquals(List.of(newcomer), scaleSet.instances());
        assertEquals(List.of(new InMemoryScaleSet.Call("deleteInstances", List.of(List.of(recorded.instanceId())))),
                scaleSet.calls().stream().filter(call -> call.method().equals("deleteInstances")).toList(),
                "only the test's own delete");
    }

    @Test
    void noInstanceIsDeletedWhileAnotherLiveNodeCarriesItsComputerName() {
        swarm.addWorker("worker-1");
        ScaleSetInstance instance = scaleSet.addInstance("worker-1");
        requests.submit("worker-1", SCALE_IN);
        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        Node rejoined = rejoin("worker-1", "id-worker-1");

        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());

        assertEquals(DrainState.FAILED, status("worker-1").state());
        String failure = status("worker-1").failure();
        assertTrue(failure.contains("carried by live node " + rejoined.id()) && failure.contains("a new VM took the name"),
                failure);
        assertEquals(0, scaleSet.count("deleteInstances"));
        assertEquals(List.of(instance), scaleSet.instances());
    }

    /** A scale-in drain as recorded before instance ids were, with its first message queued. */
    private void oldScaleInDrain(String hostname) {
        DrainStatus status = DrainStatus.requested(new DrainRequest("req-old", hostname, "id-" + hostname,
                DrainReason.SCALE_IN, true, T0.plus(SETTINGS.defaultTimeout()), T0));
        statuses.putRaw(hostname, DrainCodec.status(status).replace(",\"instanceId\":null", ""));
        assertNull(status(hostname).request().instanceId());
        queue.send(DrainMessage.of("req-old", hostname, 0), Duration.ZERO);
    }

    @Test
    void anOldStatusWithoutAnInstanceIdStillDeletesTheInstanceNamedAsItsNode() {
        swarm.addWorker("worker-1");
        ScaleSetInstance instance = scaleSet.addInstance("worker-1");
        oldScaleInDrain("worker-1");

        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());

        assertTrue(status("worker-1").instanceDeleted());
        assertEquals(List.of(new InMemoryScaleSet.Call("deleteInstances", List.of(List.of(instance.instanceId())))),
                scaleSet.calls().stream().filter(call -> call.method().equals("deleteInstances")).toList());
    }

    @Test
    void anOldStatusWithoutAnInstanceIdDeletesNothingWhileAnotherLiveNodeCarriesTheName() {
        swarm.addWorker("worker-1");
        scaleSet.addInstance("worker-1");
        oldScaleInDrain("worker-1");
        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        rejoin("worker-1", "id-worker-1");

        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());

        assertEquals(DrainState.FAILED, status("worker-1").state());
        assertEquals(0, scaleSet.count("deleteInstances"));
    }

    // --- drained as soon as it is true --------------------------------------------------------------------------

    @Test
    void followUpsComeAtOnceWhileTheDrainIsYoungAndAfterTheCheckIntervalLater() {
        swarm.addWorker("worker-1");
        swarm.addTask("db", "id-worker-1", "running");
        requests.submit("worker-1", DrainOrder.manual());

        deliverNext();
        assertEquals(Duration.ZERO, lastSent().delay());
        clock.advance(DrainWorker.PROMPT_WINDOW.minusMillis(1));
        deliverNext();
        assertEquals(Duration.ZERO, lastSent().delay());
        clock.advance(Duration.ofMillis(1));
        deliverNext();
        assertEquals(CHECK, lastSent().delay(), "a drain that takes longer than swarm usually does is looked at less often");
    }

    @Test
    void drainedIsRecordedByThePassThatFirstSeesTheReplacementsRun() {
        swarm.addWorker("worker-1");
        swarm.addWorker("worker-2");
        swarm.addTask("web", "id-worker-1", "running");
        requests.submit("worker-1", DrainOrder.manual());
        List<Task> replacements = swarm.moveTasks("id-worker-1", "id-worker-2", "starting");
        deliverNext();
        assertEquals(DrainState.DRAINING, status("worker-1").state());

        swarm.setTaskState(replacements.get(0).id(), "running");
        clock.advance(Duration.ofMillis(150));
        deliverNext();
        assertEquals(DrainState.DRAINED, status("worker-1").state());
        assertEquals(T0.plusMillis(150), status("worker-1").drainedAt(), "no whole-second rounding in between");
    }

    // --- removal without waiting on swarm -----------------------------------------------------------------------

    @Test
    void aNodeIsNeverRemovedByForceWhileItsInstanceIsNotDeleted() {
        swarm.addWorker("worker-1");
        swarm.addWorker("worker-2");
        swarm.addTask("web", "id-worker-1", "running");
        scaleSet.addInstance("worker-1");
        requests.submit("worker-1", SCALE_IN);
        deliverNext();
        scaleSet.failNextCallTo("deleteInstances", concurrentOperation());
        swarm.moveTasks("id-worker-1", "id-worker-2", "running");
        deliverNext();
        deliverNext();

        assertFalse(status("worker-1").instanceDeleted());
        assertTrue(swarm.node("id-worker-1").isPresent());
        assertEquals(List.of(), swarm.forcedRemovals());
    }

    @Test
    void aManualDrainWithoutDeleteInstanceNeverRemovesALiveNodeByForce() {
        swarm.addWorker("worker-1");
        requests.submit("worker-1", new DrainOrder(DrainReason.MANUAL, false, Optional.empty()));
        deliverNext();
        deliverNext();
        assertEquals(DrainState.DRAINED, status("worker-1").state());
        assertTrue(swarm.node("id-worker-1").isPresent(), "up until swarm sees it down");
        assertEquals(List.of(), swarm.forcedRemovals());

        swarm.setNodeState("id-worker-1", Node.State.DOWN);
        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        assertEquals(List.of(), swarm.forcedRemovals(), "a down node goes without force");
    }

    @Test
    void aShutdownDrainRemovesItsNodeAsSoonAsItIsDrainedWithoutWaitingForItsLeave() {
        swarm.addWorker("worker-1");
        swarm.addWorker("worker-2");
        requests.submit("worker-1", new DrainOrder(DrainReason.SHUTDOWN, false, Optional.empty()));
        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext(), "nothing ran there: drained and removed in one pass");
        assertEquals(DrainState.REMOVED, status("worker-1").state());
        assertEquals(List.of("id-worker-1"), swarm.forcedRemovals(), "removed while the managers still see it Ready");
        assertTrue(swarm.node("id-worker-2").isPresent(), "only the node of the drain");
    }

    // --- surge drain --------------------------------------------------------------------------------------------

    private static final String SURGE_SERVICE = "svc-web";

    /** A surge service of 4 replicas, 2 of them on worker-1, and 3 workers. */
    private void arrangeSurgeService() {
        swarm.addWorker("worker-1");
        swarm.addWorker("worker-2");
        swarm.addWorker("worker-3");
        swarm.addService(new Service(SURGE_SERVICE, "web", Service.Mode.REPLICATED, 4, Resources.NONE, List.of(), 7,
                Map.of(Service.DRAIN_LABEL, Service.SURGE)));
        swarm.addTask(SURGE_SERVICE, "id-worker-1", "running");
        swarm.addTask(SURGE_SERVICE, "id-worker-1", "running");
        swarm.addTask(SURGE_SERVICE, "id-worker-2", "running");
        swarm.addTask(SURGE_SERVICE, "id-worker-3", "running");
    }

    private long runningReplicas() {
        return swarm.allTasks().stream()
                .filter(task -> SURGE_SERVICE.equals(task.serviceId()) && task.desiredRunning() && task.running())
                .count();
    }

    /** What swarm does once the service is scaled up with the node paused: the new replicas start on other nodes. */
    private List<Task> startSurgeReplicas(String state) {
        return List.of(swarm.addTask(SURGE_SERVICE, "id-worker-2", state), swarm.addTask(SURGE_SERVICE, "id-worker-3", state));
    }

    @Test
    void aSurgeServiceGetsItsExtraReplicasFirstIsDrainedThenScaledBackAndNeverRunsBelowDesired() {
        arrangeSurgeService();
        requests.submit("worker-1", DrainOrder.manual());
        assertEquals(Node.Availability.ACTIVE, swarm.node("id-worker-1").orElseThrow().availability());

        // Pass 1: the plan goes on record, and nothing is touched yet.
        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        assertEquals(List.of(new SurgeEntry(SURGE_SERVICE, "web", 4, 2, SurgeEntry.Phase.PLANNED)), status("worker-1").surge());
        assertEquals(List.of(), swarm.replicaChanges());
        assertEquals(Node.Availability.ACTIVE, swarm.node("id-worker-1").orElseThrow().availability());
        assertEquals(Duration.ZERO, lastSent().delay());

        // Pass 2: the node is paused (its replicas keep running, it gets no new ones) and the service scaled up.
        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        Node paused = swarm.node("id-worker-1").orElseThrow();
        assertEquals(Node.Availability.PAUSE, paused.availability());
        assertEquals(status("worker-1").request().requestId(), paused.labels().get(DrainProgress.REQUEST_LABEL));
        assertEquals(List.of(SURGE_SERVICE + "=6"), swarm.replicaChanges());
        assertEquals(SurgeEntry.Phase.SURGED, status("worker-1").surge().get(0).phase());
        assertEquals(DrainState.DRAINING, status("worker-1").state());

        // The extra replicas are starting: the node is not drained yet.
        List<Task> extra = startSurgeReplicas("starting");
        deliverNext();
        assertEquals(Node.Availability.PAUSE, swarm.node("id-worker-1").orElseThrow().availability());
        assertEquals(4, runningReplicas());

        extra.forEach(task -> swarm.setTaskState(task.id(), "running"));
        assertEquals(6, runningReplicas());
        deliverNext();
        assertEquals(Node.Availability.DRAIN, swarm.node("id-worker-1").orElseThrow().availability(), "drained once they run");

        // Swarm stops the node's two and starts replacements (the service still wants 6): 4 keep running throughout.
        List<Task> replacements = swarm.moveTasks("id-worker-1", "id-worker-2", "starting");
        assertEquals(4, runningReplicas());
        deliverNext();
        assertEquals(List.of(SURGE_SERVICE + "=6"), swarm.replicaChanges(), "not scaled back while replacements start");

        replacements.forEach(task -> swarm.setTaskState(task.id(), "running"));
        deliverNext();
        assertEquals(List.of(SURGE_SERVICE + "=6", SURGE_SERVICE + "=4"), swarm.replicaChanges());
        assertEquals(4, swarm.service(SURGE_SERVICE).replicas());
        DrainStatus drained = status("worker-1");
        assertEquals(DrainState.DRAINED, drained.state());
        assertEquals(SurgeEntry.Phase.RESTORED, drained.surge().get(0).phase());

        swarm.setNodeState("id-worker-1", Node.State.DOWN);
        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        assertEquals(DrainState.REMOVED, status("worker-1").state());
        assertEquals(2, swarm.replicaChanges().size(), "scaled up once and back once");
    }

    @Test
    void aPassThatScaledButDidNotRecordItIsNotRepeatedAndTheCountIsRestoredOnce() {
        arrangeSurgeService();
        requests.submit("worker-1", DrainOrder.manual());
        deliverNext();
        // A pass paused the node and scaled the service, then died before it could write the status.
        Node node = swarm.node("id-worker-1").orElseThrow();
        swarm.updateNode(node, Node.Availability.PAUSE,
                Map.of(DrainProgress.REQUEST_LABEL, status("worker-1").request().requestId()));
        swarm.setReplicas(swarm.service(SURGE_SERVICE), 6);

        deliverNext();
        assertEquals(List.of(SURGE_SERVICE + "=6"), swarm.replicaChanges(), "not scaled up twice");
        assertEquals(SurgeEntry.Phase.SURGED, status("worker-1").surge().get(0).phase());

        startSurgeReplicas("running");
        deliverNext();
        swarm.moveTasks("id-worker-1", "id-worker-2", "running");
        // Again a pass scales back and dies before recording it; the service is at its original count already.
        swarm.setReplicas(swarm.service(SURGE_SERVICE), 4);
        deliverNext();

        assertEquals(List.of(SURGE_SERVICE + "=6", SURGE_SERVICE + "=4"), swarm.replicaChanges(), "restored exactly once");
        assertEquals(SurgeEntry.Phase.RESTORED, status("worker-1").surge().get(0).phase());
        assertEquals(DrainState.DRAINED, status("worker-1").state());
    }

    /**
     * A drain that begins while a rebalance move runs the service one replica above its owner's count (the move's
     * label records 4): the surge starts from 4 and comes back to 4, not to the move's 5 (RollingUpgradeIT: the
     * service kept 9 of its 8 replicas).
     */
    @Test
    void aSurgeThatBeginsDuringARebalanceMoveComesBackToTheOwnersCount() {
        arrangeSurgeService();
        Service web = swarm.service(SURGE_SERVICE);
        swarm.addService(new Service(SURGE_SERVICE, "web", Service.Mode.REPLICATED, 5, Resources.NONE, List.of(), 8,
                Map.of(Service.DRAIN_LABEL, Service.SURGE, Service.MOVE_REPLICAS_LABEL, "4")));
        swarm.addTask(SURGE_SERVICE, "id-worker-2", "running"); // the move's extra replica
        requests.submit("worker-1", DrainOrder.manual());
        deliverNext();
        assertEquals(List.of(new SurgeEntry(SURGE_SERVICE, "web", 4, 2, SurgeEntry.Phase.PLANNED)), status("worker-1").surge());
        deliverNext();
        assertEquals(List.of(SURGE_SERVICE + "=6"), swarm.replicaChanges(), "surged from the owner's 4 by the node's 2");
        startSurgeReplicas("running");
        deliverNext();
        swarm.moveTasks("id-worker-1", "id-worker-2", "running");
        deliverNext();
        assertEquals(List.of(SURGE_SERVICE + "=6", SURGE_SERVICE + "=4"), swarm.replicaChanges());
        assertEquals(4, swarm.service(SURGE_SERVICE).replicas(), "back to the owner's count, not " + web.replicas() + "+1");
    }

    @Test
    void aReplicaCountChangedBySomeoneElseDuringTheSurgeIsLeftAsTheyChoseIt() {
        arrangeSurgeService();
        requests.submit("worker-1", DrainOrder.manual());
        deliverNext();
        deliverNext();
        startSurgeReplicas("running");
        deliverNext();
        swarm.moveTasks("id-worker-1", "id-worker-2", "running");
        // An operator scales the service to 10 meanwhile.
        swarm.setReplicas(swarm.service(SURGE_SERVICE), 10);

        deliverNext();
        assertEquals(10, swarm.service(SURGE_SERVICE).replicas());
        assertEquals(SurgeEntry.Phase.LEFT_ALONE, status("worker-1").surge().get(0).phase());
        assertEquals(DrainState.DRAINED, status("worker-1").state());
    }

    @Test
    void aNodeThatLeavesMidSurgeStillHasItsServiceScaledBack() {
        arrangeSurgeService();
        requests.submit("worker-1", DrainOrder.manual());
        deliverNext();
        deliverNext();
        assertEquals(6, swarm.service(SURGE_SERVICE).replicas());
        swarm.setNodeState("id-worker-1", Node.State.DOWN);
        swarm.removeNode("id-worker-1");

        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        assertEquals(4, swarm.service(SURGE_SERVICE).replicas());
        assertEquals(DrainState.REMOVED, status("worker-1").state());
        assertEquals(SurgeEntry.Phase.RESTORED, status("worker-1").surge().get(0).phase());
    }

    @Test
    void aManualDrainPastItsDeadlineMidSurgeScalesBackAndGivesTheNodeBack() {
        arrangeSurgeService();
        requests.submit("worker-1", DrainOrder.manual());
        deliverNext();
        deliverNext();
        // No other node takes the extra replicas: they stay pending until the deadline.
        startSurgeReplicas("pending");
        clock.advance(SETTINGS.defaultTimeout());
        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());

        DrainStatus status = status("worker-1");
        assertEquals(DrainState.REACTIVATED, status.state());
        assertEquals(SurgeEntry.Phase.RESTORED, status.surge().get(0).phase());
        assertTrue(status.finished());
        assertEquals(4, swarm.service(SURGE_SERVICE).replicas());
        assertEquals(Node.Availability.ACTIVE, swarm.node("id-worker-1").orElseThrow().availability());
    }

    @Test
    void globalAndUnlabelledServicesAreDrainedTheSwarmWay() {
        swarm.addWorker("worker-1");
        swarm.addService(new Service("svc-logs", "logs", Service.Mode.GLOBAL, 0, Resources.NONE, List.of(), 1,
                Map.of(Service.DRAIN_LABEL, Service.SURGE)));
        swarm.addService(new Service("svc-api", "api", Service.Mode.REPLICATED, 2, Resources.NONE, List.of(), 1, Map.of()));
        swarm.addTask("svc-logs", "id-worker-1", "running");
        swarm.addTask("svc-api", "id-worker-1", "running");

        requests.submit("worker-1", DrainOrder.manual());
        deliverNext();

        assertEquals(Node.Availability.DRAIN, swarm.node("id-worker-1").orElseThrow().availability());
        assertEquals(List.of(), status("worker-1").surge());
        assertEquals(List.of(), swarm.replicaChanges());
    }

    @Test
    void aDrainCancelledMidSurgeScalesTheServiceBackAndItsLaterMessagesDoNothing() {
        arrangeSurgeService();
        String requestId = requests.submit("worker-1", DrainOrder.manual()).status().request().requestId();
        deliverNext();
        deliverNext();
        assertEquals(6, swarm.service(SURGE_SERVICE).replicas());

        assertTrue(requests.cancel(swarm.node("id-worker-1").orElseThrow(), requestId));

        assertEquals(4, swarm.service(SURGE_SERVICE).replicas());
        assertEquals(Node.Availability.ACTIVE, swarm.node("id-worker-1").orElseThrow().availability());
        assertEquals(DrainState.CANCELLED, status("worker-1").state());
        assertEquals(SurgeEntry.Phase.RESTORED, status("worker-1").surge().get(0).phase());
        assertEquals(DrainWorker.Outcome.STALE, deliverNext());
        assertEquals(List.of(SURGE_SERVICE + "=6", SURGE_SERVICE + "=4"), swarm.replicaChanges());
    }

    @Test
    void aDeallocatingScaleInDeallocatesTheRecordedInstanceThenRemovesTheNodeOnceItIsDown() {
        swarm.addWorker("worker-1");
        ScaleSetInstance instance = scaleSet.addInstance("worker-1");
        scaleSet.addInstance("worker-2");
        scaleSet.holdOperations();
        requests.submit("worker-1", new DrainOrder(DrainReason.SCALE_IN, InstanceEnd.DEALLOCATE, Optional.empty()));
        assertEquals(instance.instanceId(), status("worker-1").request().instanceId());

        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        assertEquals(DrainState.DRAINED, status("worker-1").state(), "drained is on record before the VM shuts down");
        assertEquals(0, scaleSet.count("beginDeallocate"));

        assertEquals(DrainWorker.Outcome.CHECK_SCHEDULED, deliverNext());
        assertEquals(List.of(new InMemoryScaleSet.Call("beginDeallocate", List.of(List.of(instance.instanceId())))),
                scaleSet.calls().stream().filter(call -> call.method().equals("beginDeallocate")).toList());
        assertTrue(status("worker-1").instanceDeallocated());
        assertTrue(swarm.node("id-worker-1").isPresent(), "still shutting down: a live node is not removed by force");
        assertEquals(List.of(), swarm.forcedRemovals());

        // The VM's shutdown hook read "drained" and left the swarm: the node is down.
        swarm.setNodeState("id-worker-1", Node.State.DOWN);
        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        assertEquals(DrainState.REMOVED, status("worker-1").state());
        assertTrue(swarm.node("id-worker-1").isEmpty());
        assertEquals(1, scaleSet.count("beginDeallocate"), "deallocated once");
        assertEquals(0, scaleSet.count("deleteInstances") + scaleSet.count("beginDeleteInstances"));
        assertEquals(2, scaleSet.instances().size(), "the instance stays, warm");
    }

    @Test
    void aDeallocatingScaleInWhoseNodeStaysUpRemovesItByForceOnceTheInstanceReadsDeallocated() {
        swarm.addWorker("worker-1");
        ScaleSetInstance instance = scaleSet.addInstance("worker-1");
        scaleSet.holdOperations();
        requests.submit("worker-1", new DrainOrder(DrainReason.SCALE_IN, InstanceEnd.DEALLOCATE, Optional.empty()));
        deliverNext();
        deliverNext();
        assertEquals(ScaleSetInstance.PowerState.DEALLOCATING, scaleSet.instances().get(0).powerState());
        scaleSet.completeOperations();
        clock.advance(CHECK);
        assertEquals(DrainWorker.Outcome.FINISHED, deliverNext());
        assertEquals(List.of("id-worker-1"), swarm.forcedRemovals());
        assertEquals(ScaleSetInstance.PowerState.DEALLOCATED, scaleSet.instances().get(0).powerState());
        assertEquals(instance.instanceId(), scaleSet.instances().get(0).instanceId());
    }
}
