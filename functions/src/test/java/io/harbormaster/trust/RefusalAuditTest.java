package io.harbormaster.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.testsupport.InMemoryAuditTrail;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RefusalAuditTest {
    @Test
    void atMostSixtyRefusalsAMinuteAreRecordedAndTheNextMinuteSaysHowManyWereLeftOut() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-06T17:00:05Z"));
        InMemoryAuditTrail trail = new InMemoryAuditTrail();
        RefusalAudit audit = new RefusalAudit(trail, clock);
        TrustRefusal refusal = new TrustRefusal(TrustRefusal.Kind.BAD_SIGNATURE, "the signature does not verify", "agent_3");
        for (int i = 0; i < 75; i++) {
            audit.record("node/join", refusal);
        }
        assertEquals(RefusalAudit.PER_MINUTE, trail.all().size());
        AuditEvent first = trail.all().get(0);
        assertEquals("agent_3", first.subject());
        assertEquals("node/join", first.details().get("route"));
        assertEquals(TrustRefusal.Kind.BAD_SIGNATURE.code(), first.details().get("code"));
        assertNull(first.details().get("leftOutBefore"));

        clock.advance(Duration.ofMinutes(1));
        audit.record("node/drain", refusal);
        List<AuditEvent> all = trail.all();
        assertEquals("15 refusal(s) in the minute before were not recorded", all.get(all.size() - 1).details().get("leftOutBefore"));
        assertFalse(all.stream().anyMatch(event -> event.reason().contains("signature=")), "no document text");
    }
}
