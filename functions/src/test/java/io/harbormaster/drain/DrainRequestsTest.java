package io.harbormaster.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.audit.AuditTrail;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.testsupport.InMemoryDrainQueue;
import io.harbormaster.testsupport.InMemoryDrainStatusStore;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DrainRequestsTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final DrainSettings SETTINGS = new DrainSettings(
            Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofMinutes(15),
            Duration.ofDays(7));

    private final MutableClock clock = new MutableClock(T0);
    private final InMemorySwarm swarm = new InMemorySwarm(clock);
    private final InMemoryDrainStatusStore statuses = new InMemoryDrainStatusStore();
    private final InMemoryDrainQueue queue = new InMemoryDrainQueue(clock);
    private final InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);
    private final DrainRequests requests = new DrainRequests(swarm, statuses, queue, SETTINGS, Optional.of(scaleSet), clock, AuditTrail.NONE);

    private void assertNothingRecorded() {
        assertEquals(List.of(), statuses.list());
        assertEquals(List.of(), queue.sent());
    }

    @Test
    void aRequestForAnUnknownNodeIsRefused() {
        swarm.addWorker("worker-1");
        DrainRejectedException refused =
                assertThrows(DrainRejectedException.class, () -> requests.submit("worker-9", DrainOrder.manual()));
        assertEquals(DrainRejectedException.Kind.UNKNOWN_NODE, refused.kind());
        assertNothingRecorded();
    }

    @Test
    void aRequestForAManagerIsRefused() {
        swarm.addManager("manager-1");
        DrainRejectedException refused =
                assertThrows(DrainRejectedException.class, () -> requests.submit("manager-1", DrainOrder.manual()));
        assertEquals(DrainRejectedException.Kind.MANAGER_NODE, refused.kind());
        assertNothingRecorded();
    }

    @Test
    void deleteInstanceWithoutAScaleSetIsRefused() {
        swarm.addWorker("worker-1");
        DrainRequests withoutScaleSet = new DrainRequests(swarm, statuses, queue, SETTINGS, Optional.empty(), clock, AuditTrail.NONE);
        DrainRejectedException refused = assertThrows(DrainRejectedException.class, () -> withoutScaleSet.submit(
                "worker-1", new DrainOrder(DrainReason.SCALE_IN, true, Optional.empty())));
        assertEquals(DrainRejectedException.Kind.INVALID_BODY, refused.kind());
        assertNothingRecorded();
    }

    @Test
    void aValidRequestRecordsItsStatusAndQueuesExactlyOneMessage() {
        swarm.addWorker("worker-1");
        DrainRequests.Submission submission = requests.submit("Worker-1", DrainOrder.manual());

        assertTrue(submission.created());
        DrainStatus status = submission.status();
        assertEquals(DrainState.REQUESTED, status.state());
        assertEquals("worker-1", status.request().hostname());
        assertEquals("id-worker-1", status.request().nodeId());
        assertEquals(T0.plus(SETTINGS.defaultTimeout()), status.request().deadline());
        assertEquals(status, statuses.read("worker-1").orElseThrow().status());

        InMemoryDrainQueue.Sent sent = queue.sent().get(0);
        assertEquals(1, queue.sent().size());
        assertEquals(DrainMessage.of(status.request().requestId(), "worker-1", 0), sent.message());
        assertEquals(Duration.ZERO, sent.delay());
    }

    @Test
    void aNodeIsFoundByItsIdToo() {
        swarm.addWorker("worker-1");
        assertEquals("worker-1", requests.submit("id-worker-1", DrainOrder.manual()).status().request().hostname());
    }

    @Test
    void aSecondRequestWhileOneIsUnderWayReturnsTheExistingOne() {
        swarm.addWorker("worker-1");
        DrainStatus first = requests.submit("worker-1", DrainOrder.manual()).status();
        clock.advance(Duration.ofSeconds(5));

        DrainRequests.Submission second = requests.submit("worker-1", new DrainOrder(DrainReason.SCALE_IN, true, Optional.empty()));
        assertFalse(second.created());
        assertEquals(first, second.status());
        assertEquals(1, queue.sent().size());
        assertEquals(first, statuses.read("worker-1").orElseThrow().status());
    }

    @Test
    void aRequestAfterAFinishedDrainReplacesIt() {
        swarm.addWorker("worker-1");
        DrainStatus first = requests.submit("worker-1", DrainOrder.manual()).status();
        DrainStatus finished = first.withState(DrainState.FAILED, true);
        statuses.put(finished);

        DrainRequests.Submission second = requests.submit("worker-1", DrainOrder.manual());
        assertTrue(second.created());
        assertFalse(first.request().requestId().equals(second.status().request().requestId()));
        assertEquals(second.status(), statuses.read("worker-1").orElseThrow().status());
        assertEquals(2, queue.sent().size());
    }

    // --- expiry of finished statuses ------------------------------------------------------------------------------

    private static DrainStatus finished(String hostname, Instant updatedAt) {
        DrainStatus requested = DrainStatus.requested(new DrainRequest("req-" + hostname, hostname, "id-" + hostname,
                DrainReason.MANUAL, false, updatedAt.plusSeconds(600), updatedAt.minusSeconds(60)));
        return requested.withState(DrainState.REMOVED, true).claimed(3, "m-" + hostname, updatedAt);
    }

    private static DrainStatus underWay(String hostname, Instant updatedAt) {
        DrainStatus requested = DrainStatus.requested(new DrainRequest("req-" + hostname, hostname, "id-" + hostname,
                DrainReason.MANUAL, false, updatedAt.plusSeconds(600), updatedAt.minusSeconds(60)));
        return requested.withState(DrainState.DRAINING, false).claimed(2, "m-" + hostname, updatedAt);
    }

    @Test
    void onlyFinishedStatusesOlderThanTheRetentionExpire() {
        Instant eightDaysAgo = T0.minus(Duration.ofDays(8));
        statuses.put(finished("old-done", eightDaysAgo));
        statuses.put(underWay("old-draining", eightDaysAgo));
        statuses.put(finished("recent-done", T0.minus(Duration.ofDays(6))));
        statuses.put(finished("labelled-done", eightDaysAgo));

        List<String> expired = requests.expireFinished(statuses.list(), Set.of("req-labelled-done"));

        assertEquals(List.of("old-done"), expired);
        assertTrue(statuses.read("old-done").isEmpty());
        assertTrue(statuses.read("old-draining").isPresent(), "a drain under way is never deleted, however old");
        assertTrue(statuses.read("recent-done").isPresent(), "within the retention");
        assertTrue(statuses.read("labelled-done").isPresent(), "a node still carries that drain's label");
    }

    @Test
    void aStatusThatChangedSinceItWasListedStays() {
        statuses.put(finished("worker-1", T0.minus(Duration.ofDays(8))));
        List<DrainStatus> listed = statuses.list();
        // A new drain of the node replaces the old status between the listing and the expiry.
        DrainStatus newer = underWay("worker-1", T0);
        statuses.put(newer);

        assertEquals(List.of(), requests.expireFinished(listed, Set.of()));
        assertEquals(newer, statuses.read("worker-1").orElseThrow().status());
    }

    @Test
    void aStatusReplacedBetweenTheReadAndTheDeleteStays() {
        // The delete is conditional on the ETag read just before it: a write in between moves the ETag.
        InMemoryDrainStatusStore racing = new InMemoryDrainStatusStore();
        racing.put(finished("worker-1", T0.minus(Duration.ofDays(8))));
        racing.beforeNextDelete(() -> racing.put(underWay("worker-1", T0)));
        DrainRequests withRace = new DrainRequests(swarm, racing, queue, SETTINGS, Optional.of(scaleSet), clock, AuditTrail.NONE);

        assertEquals(List.of(), withRace.expireFinished(racing.list(), Set.of()));

        assertFalse(racing.read("worker-1").orElseThrow().status().finished(), "the new drain's status is kept");
    }

    @Test
    void atMostTheBoundExpiresPerPassOldestFirst() {
        int backlog = DrainRequests.MAX_EXPIRED_PER_PASS + 5;
        for (int i = 0; i < backlog; i++) {
            statuses.put(finished(String.format("worker-%02d", i), T0.minus(Duration.ofDays(30 - i))));
        }

        List<String> first = requests.expireFinished(statuses.list(), Set.of());

        assertEquals(DrainRequests.MAX_EXPIRED_PER_PASS, first.size());
        assertEquals("worker-00", first.get(0), "the oldest goes first");
        assertEquals(5, statuses.list().size());
        assertEquals(5, requests.expireFinished(statuses.list(), Set.of()).size(), "the next pass takes the rest");
        assertEquals(List.of(), statuses.list());
    }

    @Test
    void aDrainThatDeletesItsInstanceRecordsTheInstanceIdWhenRequested() {
        swarm.addWorker("worker-1");
        scaleSet.addInstance("worker-2");
        String instanceId = scaleSet.addInstance("worker-1").instanceId();

        DrainStatus status = requests.submit("worker-1", new DrainOrder(DrainReason.SCALE_IN, true, Optional.empty())).status();

        assertEquals(instanceId, status.request().instanceId());
        assertEquals(instanceId, statuses.read("worker-1").orElseThrow().status().request().instanceId());
        DrainRequests.Submission again = requests.submit("worker-1", DrainOrder.manual());
        assertFalse(again.created(), "same node id: the drain under way is answered");
        assertEquals(status, again.status());
    }

    @Test
    void aDrainThatKeepsItsInstanceRecordsNone() {
        swarm.addWorker("worker-1");
        assertEquals(null, requests.submit("worker-1", DrainOrder.manual()).status().request().instanceId());
    }

    @Test
    void deleteInstanceWithoutAnInstanceOfThatNameIsRefused() {
        swarm.addWorker("worker-1");
        scaleSet.addInstance("worker-2");
        DrainRejectedException refused = assertThrows(DrainRejectedException.class, () -> requests.submit(
                "worker-1", new DrainOrder(DrainReason.SCALE_IN, true, Optional.empty())));
        assertEquals(DrainRejectedException.Kind.NO_INSTANCE, refused.kind());
        assertTrue(refused.getMessage().contains("no instance named worker-1"), refused.getMessage());
        assertNothingRecorded();
    }

    // --- a Terminate event that Azure cancelled --------------------------------------------------------------------

    private static final DrainOrder TERMINATE = new DrainOrder(DrainReason.TERMINATE_NOTIFICATION, false, Optional.empty());

    /** The node as the drain worker leaves it: set to drain, carrying the drain's label. */
    private void markDrained(String hostname, DrainStatus status) {
        Node node = swarm.node("id-" + hostname).orElseThrow();
        Map<String, String> labels = new HashMap<>(node.labels());
        labels.put(DrainProgress.REQUEST_LABEL, status.request().requestId());
        swarm.updateNode(node, Node.Availability.DRAIN, labels);
    }

    @Test
    void aCancelledTerminateCallsOffTheDrainAndReactivatesTheNodeKeepingItsVm() {
        swarm.addWorker("worker-1");
        scaleSet.addInstance("worker-1");
        DrainStatus drain = requests.submit("worker-1", TERMINATE).status();
        statuses.put(drain.withState(DrainState.DRAINING, false));
        markDrained("worker-1", drain);

        DrainStatus cancelled = requests.cancelTerminate("worker-1").orElseThrow();

        assertEquals(DrainState.CANCELLED, cancelled.state());
        assertTrue(cancelled.finished());
        assertEquals(cancelled, statuses.read("worker-1").orElseThrow().status());
        // A later message of the drain is stale: its step moved on.
        assertTrue(cancelled.step() > drain.step());
        Node node = swarm.node("id-worker-1").orElseThrow();
        assertEquals(Node.Availability.ACTIVE, node.availability());
        assertFalse(node.labels().containsKey(DrainProgress.REQUEST_LABEL), node.labels().toString());
        assertEquals(1, scaleSet.instances().size());
        assertTrue(scaleSet.calls().stream().noneMatch(call -> call.method().equals("deleteInstances")), scaleSet.calls().toString());

        // The watcher may ask again (its answer was lost): the same answer, nothing more changes.
        assertEquals(cancelled, requests.cancelTerminate("worker-1").orElseThrow());
        assertEquals(Node.Availability.ACTIVE, swarm.node("id-worker-1").orElseThrow().availability());
    }

    @Test
    void aTerminateDrainThatFinishedDrainedIsCalledOffWhileItsNodeStillCarriesItsLabel() {
        swarm.addWorker("worker-1");
        DrainStatus drain = requests.submit("worker-1", TERMINATE).status();
        markDrained("worker-1", drain);
        // Drained, and done waiting for the node to leave (HARBORMASTER_DRAIN_LEAVE_TIMEOUT): finished, node still drained.
        statuses.put(drain.withDrainedAt(T0).withState(DrainState.DRAINED, true));

        assertEquals(DrainState.CANCELLED, requests.cancelTerminate("id-worker-1").orElseThrow().state());
        assertEquals(Node.Availability.ACTIVE, swarm.node("id-worker-1").orElseThrow().availability());
    }

    @Test
    void onlyATerminateDrainStillInPlaceIsCalledOff() {
        swarm.addWorker("worker-1");
        swarm.addWorker("worker-2");
        swarm.addWorker("worker-3");
        DrainStatus scaleIn = requests.submit("worker-1", DrainOrder.manual()).status();
        markDrained("worker-1", scaleIn);
        DrainStatus removed = requests.submit("worker-2", TERMINATE).status().withState(DrainState.REMOVED, true);
        statuses.put(removed);
        DrainStatus taken = requests.submit("worker-3", TERMINATE).status();
        markDrained("worker-3", DrainStatus.requested(new DrainRequest("another", "worker-3", "id-worker-3",
                DrainReason.MANUAL, false, T0.plusSeconds(600), T0)));

        for (String hostname : List.of("worker-1", "worker-2", "worker-3")) {
            DrainStatus before = statuses.read(hostname).orElseThrow().status();
            Node nodeBefore = swarm.node("id-" + hostname).orElseThrow();
            DrainRejectedException refused = assertThrows(DrainRejectedException.class,
                    () -> requests.cancelTerminate(hostname), hostname);
            assertEquals(DrainRejectedException.Kind.NOT_CANCELLABLE, refused.kind());
            assertEquals(before, statuses.read(hostname).orElseThrow().status(), hostname);
            assertEquals(nodeBefore, swarm.node("id-" + hostname).orElseThrow(), hostname);
        }
        assertEquals(Optional.empty(), requests.cancelTerminate("worker-9"));
    }

    // --- a drain that starts at once ------------------------------------------------------------------------------

    @Test
    void aRequestSetsTheNodeToDrainBeforeItAnswersWithItsStatusAndFollowUpAlreadyOnRecord() {
        swarm.addWorker("worker-1");
        swarm.addTask("web", "id-worker-1", "running");

        DrainStatus status = requests.submit("worker-1", DrainOrder.manual()).status();

        Node node = swarm.node("id-worker-1").orElseThrow();
        assertEquals(Node.Availability.DRAIN, node.availability());
        assertEquals(status.request().requestId(), node.labels().get(DrainProgress.REQUEST_LABEL));
        assertEquals(DrainState.REQUESTED, statuses.read("worker-1").orElseThrow().status().state());
        assertEquals(1, queue.sent().size(), "the follow-up is queued");
        assertEquals(Duration.ZERO, queue.sent().get(0).delay());
    }

    @Test
    void aRequestForADrainUnderWayTouchesTheNodeNoMore() {
        swarm.addWorker("worker-1");
        requests.submit("worker-1", DrainOrder.manual());
        Node marked = swarm.node("id-worker-1").orElseThrow();

        assertFalse(requests.submit("worker-1", DrainOrder.manual()).created());
        assertEquals(marked, swarm.node("id-worker-1").orElseThrow());
        assertEquals(1, queue.sent().size());
    }

    @Test
    void anUnreachableSwarmWhenMarkingStillAcceptsTheRequestAndLeavesTheMarkToTheWorker() {
        swarm.addWorker("worker-1");
        DrainRequests flaky = new DrainRequests(new FailingUpdates(swarm), statuses, queue, SETTINGS, Optional.of(scaleSet),
                clock, AuditTrail.NONE);

        DrainRequests.Submission submission = flaky.submit("worker-1", DrainOrder.manual());

        assertTrue(submission.created());
        assertEquals(Node.Availability.ACTIVE, swarm.node("id-worker-1").orElseThrow().availability());
        assertEquals(1, queue.sent().size(), "the worker's first pass marks it");
        assertEquals(submission.status(), statuses.read("worker-1").orElseThrow().status());
    }

    @Test
    void aNodeRunningReplicasOfASurgeServiceIsLeftForTheWorkerToPlanTheSurge() {
        swarm.addWorker("worker-1");
        swarm.addService(new Service("web", "web", Service.Mode.REPLICATED, 2, Resources.NONE, List.of(), 1,
                Map.of(Service.DRAIN_LABEL, Service.SURGE)));
        swarm.addTask("web", "id-worker-1", "running");

        assertTrue(requests.submit("worker-1", DrainOrder.manual()).created());

        assertEquals(Node.Availability.ACTIVE, swarm.node("id-worker-1").orElseThrow().availability());
        assertEquals(List.of(), swarm.replicaChanges(), "nothing is scaled before the surge is on record");
        assertEquals(1, queue.sent().size());
    }

    /** A swarm whose node updates fail as when the managers stop answering mid-request. */
    private static final class FailingUpdates implements io.harbormaster.swarm.Swarm {
        private final InMemorySwarm swarm;

        FailingUpdates(InMemorySwarm swarm) {
            this.swarm = swarm;
        }

        @Override
        public io.harbormaster.swarm.JoinTicket joinTicket(io.harbormaster.swarm.SwarmRole role) {
            return swarm.joinTicket(role);
        }

        @Override
        public List<Node> nodes() {
            return swarm.nodes();
        }

        @Override
        public Optional<Node> node(String nodeId) {
            return swarm.node(nodeId);
        }

        @Override
        public List<io.harbormaster.swarm.Task> tasksOnNode(String nodeId) {
            return swarm.tasksOnNode(nodeId);
        }

        @Override
        public List<Service> services() {
            return swarm.services();
        }

        @Override
        public List<io.harbormaster.swarm.Task> desiredRunningTasks(java.util.Collection<String> serviceIds) {
            return swarm.desiredRunningTasks(serviceIds);
        }

        @Override
        public void updateNode(Node node, Node.Availability availability, Map<String, String> labels) {
            throw new io.harbormaster.swarm.SwarmUnavailableException("no swarm manager answered (test)");
        }

        @Override
        public void removeNode(String nodeId) {
            swarm.removeNode(nodeId);
        }

        @Override
        public void forceRemoveNode(String nodeId) {
            swarm.forceRemoveNode(nodeId);
        }

        @Override
        public void setReplicas(Service service, long replicas) {
            swarm.setReplicas(service, replicas);
        }

        @Override
        public void updateReplicas(Service service, long replicas, Map<String, String> labels) {
            swarm.updateReplicas(service, replicas, labels);
        }

        @Override
        public io.harbormaster.swarm.JoinTokenRecord joinTokenRecord() {
            return swarm.joinTokenRecord();
        }

        @Override
        public void rotateJoinTokens(io.harbormaster.swarm.JoinTokenRecord record,
                java.util.Set<io.harbormaster.swarm.SwarmRole> roles, java.time.Instant at) {
            swarm.rotateJoinTokens(record, roles, at);
        }
    }

    @Test
    void anInstanceTheCallerListedIsRecordedWithoutListingTheScaleSetAgain() {
        swarm.addWorker("worker-1");
        String instanceId = scaleSet.addInstance("worker-1").instanceId();
        DrainOrder scaleIn = new DrainOrder(DrainReason.SCALE_IN, true, Optional.empty());

        DrainStatus status = requests.submit("id-worker-1", scaleIn,
                new DrainRequests.ListedInstance(instanceId, "WORKER-1")).status();

        assertEquals(instanceId, status.request().instanceId());
        assertEquals(0, scaleSet.count("instances"));
    }

    @Test
    void aListedInstanceOfAnotherNameIsNotRecordedAndTheScaleSetIsListed() {
        swarm.addWorker("worker-1");
        String other = scaleSet.addInstance("worker-2").instanceId();
        String own = scaleSet.addInstance("worker-1").instanceId();

        DrainStatus status = requests.submit("worker-1", new DrainOrder(DrainReason.SCALE_IN, true, Optional.empty()),
                new DrainRequests.ListedInstance(other, "worker-2")).status();

        assertEquals(own, status.request().instanceId());
        assertEquals(1, scaleSet.count("instances"));
    }

    @Test
    void aListedInstanceIsNotRecordedForADrainThatKeepsItsInstance() {
        swarm.addWorker("worker-1");
        String instanceId = scaleSet.addInstance("worker-1").instanceId();
        DrainStatus status = requests.submit("worker-1", DrainOrder.manual(),
                new DrainRequests.ListedInstance(instanceId, "worker-1")).status();
        assertEquals(null, status.request().instanceId());
    }
}
