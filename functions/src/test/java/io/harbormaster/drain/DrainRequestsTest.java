package io.harbormaster.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.DrainSettings;
import io.harbormaster.testsupport.InMemoryDrainQueue;
import io.harbormaster.testsupport.InMemoryDrainStatusStore;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
    private final DrainRequests requests = new DrainRequests(swarm, statuses, queue, SETTINGS, Optional.of(scaleSet), clock);

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
        DrainRequests withoutScaleSet = new DrainRequests(swarm, statuses, queue, SETTINGS, Optional.empty(), clock);
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
        DrainRequests withRace = new DrainRequests(swarm, racing, queue, SETTINGS, Optional.of(scaleSet), clock);

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
