package io.harbormaster.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.capacity.CapacityHistory;
import io.harbormaster.capacity.CapacityState;
import io.harbormaster.drain.DrainMessage;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequest;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.drain.DrainStatusStore;
import io.harbormaster.scaleset.ScaleSetConflictException;
import io.harbormaster.scaleset.ScaleSetException;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.NodeNotFoundException;
import io.harbormaster.swarm.NodeStillUpException;
import io.harbormaster.swarm.NodeVersionConflictException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fakes keep the contracts the ports document, so tests built on them mean what they say. */
class InMemoryPortsTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private final MutableClock clock = new MutableClock(T0);

    @Test
    void swarmRefusesStaleNodeUpdatesAndRemovingANodeThatIsUp() {
        InMemorySwarm swarm = new InMemorySwarm(clock);
        Node read = swarm.addWorker("worker-1");
        swarm.touch("id-worker-1");
        assertThrows(NodeVersionConflictException.class,
                () -> swarm.updateNode(read, Node.Availability.DRAIN, Map.of()));

        Node fresh = swarm.node("id-worker-1").orElseThrow();
        swarm.updateNode(fresh, Node.Availability.DRAIN, Map.of("a", "b"));
        assertEquals(Node.Availability.DRAIN, swarm.node("id-worker-1").orElseThrow().availability());
        assertTrue(swarm.node("worker-1").isEmpty(), "nodes are found by id, never by hostname");

        assertThrows(NodeStillUpException.class, () -> swarm.removeNode("id-worker-1"));
        swarm.setNodeState("id-worker-1", Node.State.DOWN);
        swarm.removeNode("id-worker-1");
        assertThrows(NodeNotFoundException.class, () -> swarm.removeNode("id-worker-1"));
    }

    @Test
    void scaleSetChecksTheEtagDeletesIdempotentlyAndFailsOnRequest() {
        InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);
        scaleSet.addInstance("agent-1");
        String etag = scaleSet.describe().etag();
        scaleSet.changeCapacityElsewhere(2);
        assertThrows(ScaleSetConflictException.class, () -> scaleSet.setCapacity(3, etag));
        scaleSet.setCapacity(3, scaleSet.describe().etag());
        assertEquals(3, scaleSet.instances().size());

        scaleSet.deleteInstances(List.of("0"));
        scaleSet.deleteInstances(List.of("0", "1"));
        assertEquals(1, scaleSet.instances().size());
        assertEquals(1, scaleSet.capacity());
        assertEquals(2, scaleSet.count("deleteInstances"));

        scaleSet.protectFromScaleIn("2", true);
        assertTrue(scaleSet.instances().get(0).protectedFromScaleIn());

        scaleSet.failNextCall(new ScaleSetException("busy", true, null));
        assertTrue(assertThrows(ScaleSetException.class, scaleSet::instances).retryable());
        assertEquals(1, scaleSet.instances().size(), "only the next call fails");
    }

    @Test
    void drainStatusStoreCreatesOnlyWhenAbsentAndWritesOnlyAtTheEtagRead() {
        InMemoryDrainStatusStore store = new InMemoryDrainStatusStore();
        DrainStatus status = DrainStatus.requested(new DrainRequest("req-1", "Worker-1", "id-worker-1",
                DrainReason.MANUAL, false, T0.plusSeconds(600), T0));
        assertTrue(store.create(status));
        assertFalse(store.create(status));

        DrainStatusStore.Stored read = store.read("worker-1").orElseThrow();
        assertEquals(status, read.status());
        assertTrue(store.replace(status, read.etag()));
        assertFalse(store.replace(status, read.etag()), "the ETag moved on with the write");

        assertFalse(store.delete("worker-1", read.etag()));
        assertTrue(store.read("worker-1").isPresent(), "a delete at an old ETag leaves the status");
        assertTrue(store.delete("worker-1", store.read("worker-1").orElseThrow().etag()));
        assertFalse(store.delete("worker-1", read.etag()), "a status already gone is not deleted again");
        assertTrue(store.read("worker-1").isEmpty());
        assertFalse(store.replace(status, read.etag()), "a replace does not bring a deleted status back");
        assertTrue(store.create(status));
        assertFalse(read.etag().equals(store.read("worker-1").orElseThrow().etag()), "ETags never repeat");
    }

    @Test
    void drainStatusStoreListsAroundAnUnreadableStatusInsteadOfThrowing() {
        InMemoryDrainStatusStore store = new InMemoryDrainStatusStore();
        DrainStatus status = DrainStatus.requested(new DrainRequest("req-1", "worker-1", "id-worker-1",
                DrainReason.MANUAL, false, T0.plusSeconds(600), T0));
        store.create(status);
        store.putRaw("worker-0", "{not json");
        store.putRaw("worker-2", "{\"state\":\"removed\"}");

        assertEquals(List.of(status), store.list());
        assertTrue(store.contains("worker-0"), "an unreadable status is left in place for an operator");
    }

    @Test
    void drainQueueHandsOutAMessageOnlyOnceItsWholeSecondsOfDelayHavePassed() {
        InMemoryDrainQueue queue = new InMemoryDrainQueue(clock);
        queue.send(DrainMessage.of("req-1", "worker-1", 1), Duration.ofMillis(1500));
        queue.send(DrainMessage.of("req-2", "worker-2", 0), Duration.ZERO);

        assertEquals("req-2", queue.takeNextDue().orElseThrow().message().requestId());
        clock.advance(Duration.ofSeconds(1));
        assertTrue(queue.takeNextDue().isEmpty(), "1.5 s is rounded up, never down");
        clock.advance(Duration.ofSeconds(1));
        assertEquals("req-1", queue.takeNextDue().orElseThrow().message().requestId());
        assertEquals(2, queue.sent().size());
        assertEquals(List.of(), queue.waiting());
    }

    @Test
    void capacityLeaseIsExclusiveUntilReleasedOrExpired() {
        InMemoryCapacityState state = new InMemoryCapacityState(clock);
        CapacityState.Lease first = state.tryAcquire().orElseThrow();
        assertTrue(state.tryAcquire().isEmpty());
        first.close();
        assertTrue(state.tryAcquire().isPresent());

        clock.advance(InMemoryCapacityState.LEASE_DURATION);
        CapacityState.Lease afterExpiry = state.tryAcquire().orElseThrow();
        first.close();
        assertTrue(state.tryAcquire().isEmpty(), "closing an expired lease does not free the one taken since");
        afterExpiry.close();
    }

    @Test
    void capacityLeaseRenewsAfterExpiryOnlyWhileNoOneTookIt() {
        InMemoryCapacityState state = new InMemoryCapacityState(clock);
        CapacityState.Lease first = state.tryAcquire().orElseThrow();
        clock.advance(InMemoryCapacityState.LEASE_DURATION.plusSeconds(1));
        assertTrue(first.renew(), "an expired lease no one took renews, as a blob lease does");
        assertTrue(state.tryAcquire().isEmpty(), "the renewed lease is held again");
        clock.advance(InMemoryCapacityState.LEASE_DURATION);
        CapacityState.Lease second = state.tryAcquire().orElseThrow();
        assertFalse(first.renew(), "renewed a lease another check holds");
        assertTrue(second.renew());
        second.close();
    }

    @Test
    void capacityHistoryWritesAreConditionalOnTheVersionRead() {
        InMemoryCapacityState state = new InMemoryCapacityState(clock);
        assertTrue(state.writeHistory(CapacityHistory.EMPTY, null).isPresent());
        assertTrue(state.writeHistory(CapacityHistory.EMPTY, null).isEmpty(), "a first write over a stored history");
        CapacityState.Versioned read = state.readVersioned();
        CapacityHistory announced = state.update(history -> history.withExpectedCapacity(3, clock.instant()));
        assertTrue(state.writeHistory(CapacityHistory.EMPTY, read.etag()).isEmpty(), "a write based on a stale read");
        assertEquals(announced, state.readHistory());
        assertEquals(2, state.historyWrites());
    }
}
