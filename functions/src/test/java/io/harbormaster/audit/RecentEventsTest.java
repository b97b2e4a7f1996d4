package io.harbormaster.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.harbormaster.testsupport.InMemoryAuditTrail;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RecentEventsTest {
    private static final Instant T0 = Instant.parse("2026-12-06T18:00:00Z");

    @Test
    void theNewestOfTheLastTenMinutesNewestFirstReadAtMostEveryFiveSeconds() {
        MutableClock clock = new MutableClock(T0);
        AtomicInteger reads = new AtomicInteger();
        InMemoryAuditTrail stored = new InMemoryAuditTrail();
        AuditTrail counted = new AuditTrail() {
            @Override
            public void record(AuditEvent event) {
                stored.record(event);
            }

            @Override
            public List<AuditEvent> since(Instant since, int limit) {
                reads.incrementAndGet();
                return stored.since(since, limit);
            }

            @Override
            public int prune(Instant before) {
                return 0;
            }
        };
        counted.record(AuditEvent.of(T0.minus(Duration.ofMinutes(11)), AuditKind.SCALE_OUT, "scale set", "too old"));
        for (int i = 0; i < 60; i++) {
            counted.record(AuditEvent.of(T0.minusSeconds(60 - i), AuditKind.DRAIN_STATE, "agent-" + i, "scale-in"));
        }
        RecentEvents recent = new RecentEvents(counted, clock);
        List<AuditEvent> shown = recent.newest();
        assertEquals(RecentEvents.SHOWN, shown.size());
        assertEquals("agent-59", shown.get(0).subject(), "newest first");
        assertEquals("agent-10", shown.get(RecentEvents.SHOWN - 1).subject());
        counted.record(AuditEvent.of(T0, AuditKind.GUARD_TRIPPED, "capacity", "new"));
        clock.advance(Duration.ofSeconds(4));
        assertEquals("agent-59", recent.newest().get(0).subject(), "shared: not read again within 5 s");
        assertEquals(1, reads.get());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(AuditKind.GUARD_TRIPPED, recent.newest().get(0).kind());
        assertEquals(2, reads.get());
    }
}
