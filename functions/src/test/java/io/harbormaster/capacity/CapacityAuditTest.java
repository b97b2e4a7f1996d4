package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CapacityAuditTest {
    private static final Instant NOW = Instant.parse("2026-12-06T17:00:00Z");
    private static final CapacityAction.ScaleOut OUT = new CapacityAction.ScaleOut(2, 4, "3 tasks pending");
    private static final CapacityAction.RequestDrain IN = new CapacityAction.RequestDrain("agent-7", "n7", "7", "idle 10m");
    private static final CapacityAction.RemoveDownNode GONE = new CapacityAction.RemoveDownNode("n9", "agent-9", "down 5m");

    private static CapacityPlan plan(List<CapacityAction> actions, boolean dryRun, CapacityHistory history) {
        return new CapacityPlan(actions, List.of(), false, dryRun, history, null);
    }

    @Test
    void eachActionIsAnEventOfItsKindWithItsOutcome() {
        List<AuditEvent> events = CapacityAudit.events(plan(List.of(OUT, IN, GONE), false, CapacityHistory.EMPTY),
                List.of(OUT, IN), Map.of(GONE, "node is still up"), List.of(), NOW);
        assertEquals(List.of(AuditKind.SCALE_OUT, AuditKind.SCALE_IN, AuditKind.NODE_REMOVED),
                events.stream().map(AuditEvent::kind).toList());
        assertEquals("started", events.get(0).details().get("outcome"), "a capacity write is started, not waited for");
        assertEquals("4", events.get(0).details().get("toCapacity"));
        assertEquals("3 tasks pending", events.get(0).reason());
        assertEquals("done", events.get(1).details().get("outcome"));
        assertEquals("agent-7", events.get(1).subject());
        assertEquals("7", events.get(1).details().get("instanceId"));
        assertEquals("failed", events.get(2).details().get("outcome"));
        assertEquals("node is still up", events.get(2).details().get("error"));
        events.forEach(event -> assertEquals(NOW, event.at()));
    }

    @Test
    void aDryRunRecordsWhatItWouldHaveDone() {
        List<AuditEvent> events = CapacityAudit.events(plan(List.of(OUT), true, CapacityHistory.EMPTY), List.of(), Map.of(),
                List.of(), NOW);
        assertEquals(1, events.size());
        assertEquals("dry-run", events.get(0).details().get("outcome"));
    }

    @Test
    void aTrippedGuardAndTheCheckOtherDecisionsAreEventsButOlderDecisionsAndActionDecisionsAreNot() {
        CapacityHistory history = CapacityHistory.EMPTY
                .withDecision(new CapacityHistory.Decision(NOW.minusSeconds(30), "guard tripped", "an older check", false))
                .withDecision(new CapacityHistory.Decision(NOW, "guard tripped", "4 of 6 nodes vanished", false))
                .withDecision(new CapacityHistory.Decision(NOW, OUT.summary(), OUT.reason(), false));
        CapacityHistory.Decision ended = new CapacityHistory.Decision(NOW, "scale out 2 -> 4 did not finish", "Failed", false);
        List<AuditEvent> events = CapacityAudit.events(plan(List.of(OUT), false, history), List.of(), Map.of(),
                List.of(ended), NOW);
        assertEquals(List.of(AuditKind.GUARD_TRIPPED, AuditKind.CAPACITY_DECISION),
                events.stream().map(AuditEvent::kind).toList());
        assertEquals("4 of 6 nodes vanished", events.get(0).reason());
        assertEquals("scale out 2 -> 4 did not finish", events.get(1).details().get("decision"));
    }
}
