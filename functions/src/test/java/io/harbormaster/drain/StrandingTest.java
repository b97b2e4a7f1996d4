package io.harbormaster.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

class StrandingTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final String NO_ROOM = "no suitable node (insufficient resources on 2 nodes)";
    private static final Optional<ScaleOutOutlook> AT_MAX =
            Optional.of(new ScaleOutOutlook(false, false, "the scale set has 3 of at most 3 agents and none is on the way"));

    private static DrainRequest request(DrainReason reason) {
        return new DrainRequest("req-1", "worker-1", "node-1", reason, false, T0.plus(Duration.ofMinutes(2)), T0);
    }

    private static Task pending(String nodeId, String message) {
        return new Task("t2", "svc-1", nodeId, "running", "pending", message, Resources.NONE, T0);
    }

    @Test
    void aVmThatGoesAnywayIsStrandedWhenSwarmPlacedItsReplacementsNowhereAndNoRoomCanCome() {
        for (DrainReason reason : List.of(DrainReason.SHUTDOWN, DrainReason.TERMINATE_NOTIFICATION, DrainReason.PREEMPT)) {
            Optional<String> why = Stranding.why(request(reason), 0, List.of(pending(null, NO_ROOM)), AT_MAX);
            assertTrue(why.isPresent(), reason.wireName());
            assertTrue(why.get().contains(NO_ROOM), why.get());
            assertTrue(why.get().contains("3 of at most 3 agents"), why.get());
            assertTrue(why.get().contains("(" + reason.wireName() + ")"), why.get());
        }
    }

    @Test
    void aScaleInOrManualDrainIsNeverStranded() {
        // Their VM goes only if the drain takes it: past the deadline they give the node back instead.
        for (DrainReason reason : List.of(DrainReason.SCALE_IN, DrainReason.MANUAL)) {
            assertEquals(Optional.empty(), Stranding.why(request(reason), 0, List.of(pending(null, NO_ROOM)), AT_MAX));
        }
    }

    @Test
    void waitingMayStillHelpWhileATaskStopsOrAReplacementIsUntriedOrPlacedOrRoomMayCome() {
        DrainRequest shutdown = request(DrainReason.SHUTDOWN);
        assertEquals(Optional.empty(), Stranding.why(shutdown, 1, List.of(pending(null, NO_ROOM)), AT_MAX),
                "a task still stopping on the node");
        assertEquals(Optional.empty(), Stranding.why(shutdown, 0, List.of(pending(null, "")), AT_MAX),
                "the scheduler has not tried yet");
        assertEquals(Optional.empty(), Stranding.why(shutdown, 0, List.of(pending(null, NO_ROOM), pending("node-2", "")), AT_MAX),
                "one replacement is placed and starting");
        assertEquals(Optional.empty(), Stranding.why(shutdown, 0, List.of(), AT_MAX), "nothing pending: drained");
        assertEquals(Optional.empty(), Stranding.why(shutdown, 0, List.of(pending(null, NO_ROOM)), Optional.empty()),
                "the scale set was not read");
        assertEquals(Optional.empty(), Stranding.why(shutdown, 0, List.of(pending(null, NO_ROOM)),
                Optional.of(new ScaleOutOutlook(true, false, "below its maximum"))), "a scale-out is possible");
        assertEquals(Optional.empty(), Stranding.why(shutdown, 0, List.of(pending(null, NO_ROOM)),
                Optional.of(new ScaleOutOutlook(false, true, "an agent is joining"))), "an agent is on the way");
    }

    @Test
    void theOutlookIsReadOnlyForADrainThatCouldBeStrandedByWhatSwarmShows() {
        Node marked = new Node("node-1", 7, "worker-1", SwarmRole.WORKER, Node.Availability.DRAIN, Node.State.READY,
                Map.of(DrainProgress.REQUEST_LABEL, "req-1"), Resources.NONE, T0);
        Task stopped = new Task("t1", "svc-1", "node-1", "shutdown", "shutdown", "", Resources.NONE, T0);
        DrainStatus shutdown = DrainStatus.requested(request(DrainReason.SHUTDOWN));
        DrainSnapshot stuck = new DrainSnapshot(Optional.of(marked), List.of(stopped), List.of(pending(null, NO_ROOM)));
        assertTrue(Stranding.worthAsking(shutdown, stuck));

        assertFalse(Stranding.worthAsking(DrainStatus.requested(request(DrainReason.SCALE_IN)), stuck));
        assertFalse(Stranding.worthAsking(shutdown.withState(DrainState.STRANDED, false), stuck), "decided already");
        assertFalse(Stranding.worthAsking(shutdown, new DrainSnapshot(Optional.of(marked), List.of(stopped),
                List.of(pending(null, "")))), "not tried by the scheduler yet");
        assertFalse(Stranding.worthAsking(shutdown, new DrainSnapshot(Optional.of(marked),
                List.of(new Task("t1", "svc-1", "node-1", "shutdown", "running", "", Resources.NONE, T0)),
                List.of(pending(null, NO_ROOM)))), "a task still stopping");
        Node notOurs = new Node("node-1", 7, "worker-1", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY,
                Map.of(), Resources.NONE, T0);
        assertFalse(Stranding.worthAsking(shutdown, new DrainSnapshot(Optional.of(notOurs), List.of(stopped),
                List.of(pending(null, NO_ROOM)))), "the node is not drained by this request yet");
    }
}
