package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CapacityHistoryCodecTest {
    private static final Instant T = Instant.parse("2026-11-25T10:00:00Z");

    @Test
    void everyFieldSurvivesTheRoundTrip() {
        CapacityHistory history = new CapacityHistory(T,
                Map.of("node-a", T.minusSeconds(600), "node-b", T.minusSeconds(30)),
                Map.of("node-c", T.minusSeconds(90)),
                Map.of("17", T.minusSeconds(120)),
                new CapacityHistory.ScaleOutRecord(T.minusSeconds(300), 3, 5),
                new CapacityHistory.Expectation(7, T.minusSeconds(10)),
                new CapacityHistory.Reading(5, 4, T.minusSeconds(30)),
                List.of(new CapacityHistory.Decision(T.minusSeconds(300), "scale out 3 -> 5", "7 tasks are pending", false),
                        new CapacityHistory.Decision(T, "guard tripped", "the scale set lists no instances", true)),
                List.of(CapacityHistory.Operation.setCapacity(5, T.minusSeconds(300)),
                        CapacityHistory.Operation.deleteInstance("17", T.minusSeconds(20))),
                Map.of("4", T.minusSeconds(30), "9", T));
        String text = CapacityHistoryCodec.write(history);
        assertEquals(history, CapacityHistoryCodec.read(text));
        assertEquals(text, CapacityHistoryCodec.write(CapacityHistoryCodec.read(text)), "the same history is the same text");
    }

    @Test
    void aHistoryWrittenBeforeOperationsWereRecordedHasNone() {
        CapacityHistory old = CapacityHistoryCodec.read("{\"version\":1,\"checkedAt\":\"2026-11-25T10:00:00Z\"}");
        assertEquals(List.of(), old.operations());
    }

    @Test
    void outsideChangesAreKeptAndTheChecksOwnWin() {
        CapacityHistory base = CapacityHistory.EMPTY.withDecision(new CapacityHistory.Decision(T.minusSeconds(60), "a", "r", false));
        CapacityHistory.Decision pause = new CapacityHistory.Decision(T.minusSeconds(5), "pause automatic actions", "bob", false);
        CapacityHistory stored = base.withExpectedCapacity(6, T.minusSeconds(3)).withDecision(pause);
        CapacityHistory.Decision ours = new CapacityHistory.Decision(T, "scale out 1 -> 2", "pending", false);
        CapacityHistory check = base.withDecision(ours).withLastScaleOut(new CapacityHistory.ScaleOutRecord(T, 1, 2));

        CapacityHistory merged = check.withOutsideChanges(base, stored);

        assertEquals(List.of(base.recentDecisions().get(0), pause, ours), merged.recentDecisions());
        assertEquals(new CapacityHistory.Expectation(6, T.minusSeconds(3)), merged.expectedCapacity());
        assertEquals(check.lastScaleOut(), merged.lastScaleOut());
    }

    @Test
    void theEmptyHistorySurvivesTheRoundTrip() {
        assertEquals(CapacityHistory.EMPTY, CapacityHistoryCodec.read(CapacityHistoryCodec.write(CapacityHistory.EMPTY)));
    }

    @Test
    void aPlansHistorySurvivesTheRoundTrip() {
        CapacityHistory next = CapacityPlanner.plan(new CapacitySnapshot(List.of(), List.of(), List.of(),
                new io.harbormaster.scaleset.ScaleSetModel("id", "agents", 0, "Standard_D2s_v5",
                        io.harbormaster.scaleset.ScaleSetModel.OrchestrationMode.UNIFORM, "Succeeded", "e"),
                List.of(), List.of(), T), CapacityPolicy.DEFAULTS, CapacityHistory.EMPTY, T).history();
        assertEquals(1, next.recentDecisions().size(), "the scale-out to the minimum");
        assertEquals(next, CapacityHistoryCodec.read(CapacityHistoryCodec.write(next)));
    }

    @Test
    void aHistoryWrittenBeforeJoinedInstancesWereKeptKnowsOfNone() {
        CapacityHistory read = CapacityHistoryCodec.read("{\"version\":1,\"checkedAt\":\"2026-11-25T10:00:00Z\","
                + "\"unjoinedSince\":{\"3\":\"2026-11-25T09:58:00Z\"},\"recentDecisions\":[]}");
        assertEquals(Map.of(), read.joinedInstances());
        assertEquals(Map.of("3", T.minusSeconds(120)), read.unjoinedSince());
    }

    @Test
    void unreadableHistoriesAreRefusedWithTheReason() {
        IllegalArgumentException version = assertThrows(IllegalArgumentException.class,
                () -> CapacityHistoryCodec.read("{\"version\":2}"));
        assertTrue(version.getMessage().contains("version 2"), version.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CapacityHistoryCodec.read("not json"));
        assertThrows(IllegalArgumentException.class, () -> CapacityHistoryCodec.read("[]"));
        IllegalArgumentException time = assertThrows(IllegalArgumentException.class,
                () -> CapacityHistoryCodec.read("{\"version\":1,\"downSince\":{\"n\":\"yesterday\"}}"));
        assertTrue(time.getMessage().contains("yesterday"), time.getMessage());
        IllegalArgumentException field = assertThrows(IllegalArgumentException.class,
                () -> CapacityHistoryCodec.read("{\"version\":1,\"lastScaleOut\":{\"at\":\"2026-11-25T10:00:00Z\"}}"));
        assertTrue(field.getMessage().contains("fromCapacity"), field.getMessage());
    }
}
