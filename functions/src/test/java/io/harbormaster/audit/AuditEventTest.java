package io.harbormaster.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuditEventTest {
    private static final Instant T0 = Instant.parse("2026-12-06T17:00:00.123Z");

    @Test
    void aJoinTokenQuotedAnywhereIsBlankedAndTextIsPrintableAndBounded() {
        String token = "SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx";
        AuditEvent event = AuditEvent.of(T0, AuditKind.CALLER_REFUSED, "node \n" + token, "x".repeat(2000),
                "error", "join with " + token + " failed");
        String line = AuditCodec.line(event);
        assertFalse(line.contains("SWMTKN-"), line);
        assertTrue(event.subject().contains("<redacted>"));
        assertEquals("node ?<redacted>", event.subject());
        assertEquals(503, event.reason().length());
    }

    @Test
    void aLineReadsBackAsTheSameEventAndDetailsWithoutAValueAreLeftOut() {
        AuditEvent event = AuditEvent.of(T0, AuditKind.DRAIN_STATE, "worker-1", "scale-in", "from", "requested",
                "to", "drained", "error", null);
        assertEquals(Map.of("from", "requested", "to", "drained"), event.details());
        assertEquals(Optional.of(event), AuditCodec.parse(AuditCodec.line(event)));
    }

    @Test
    void aLineThatIsNotAnEventIsSkippedNotThrown() {
        assertEquals(Optional.empty(), AuditCodec.parse("{\"at\":\"2026-12-06T17:00:00Z\",\"kind\":\"from-the-fut"));
        assertEquals(Optional.empty(), AuditCodec.parse("{\"at\":\"2026-12-06T17:00:00Z\",\"kind\":\"teleported\"}"));
        assertEquals(Optional.empty(), AuditCodec.parse("{\"at\":\"yesterday\",\"kind\":\"scale-out\"}"));
        assertEquals(Optional.empty(), AuditCodec.parse(""));
    }

    @Test
    void kindsHaveStableWireNames() {
        assertEquals("caller-refused", AuditKind.CALLER_REFUSED.wireName());
        for (AuditKind kind : AuditKind.values()) {
            assertEquals(Optional.of(kind), AuditKind.fromWireName(kind.wireName()));
        }
    }
}
