package io.harbormaster.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.DrainSettings;
import io.harbormaster.testsupport.InMemoryDrainQueue;
import io.harbormaster.testsupport.InMemoryDrainStatusStore;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DrainRequestsTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final DrainSettings SETTINGS = new DrainSettings(
            Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofMinutes(15));

    private final MutableClock clock = new MutableClock(T0);
    private final InMemorySwarm swarm = new InMemorySwarm(clock);
    private final InMemoryDrainStatusStore statuses = new InMemoryDrainStatusStore();
    private final InMemoryDrainQueue queue = new InMemoryDrainQueue(clock);
    private final DrainRequests requests = new DrainRequests(swarm, statuses, queue, SETTINGS, true, clock);

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
        DrainRequests withoutScaleSet = new DrainRequests(swarm, statuses, queue, SETTINGS, false, clock);
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
}
