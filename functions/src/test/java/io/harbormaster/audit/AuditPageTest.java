package io.harbormaster.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditPageTest {
    private static final Instant T0 = Instant.parse("2026-12-06T17:00:00Z");

    private static AuditEvent at(int second, String subject) {
        return AuditEvent.of(T0.plusSeconds(second), AuditKind.SCALE_OUT, subject, "r");
    }

    private static List<String> subjects(List<AuditEvent> events) {
        return events.stream().map(AuditEvent::subject).toList();
    }

    @Test
    void eventsComeOldestFirstAndAShortListIsWhole() {
        assertEquals(List.of("a", "b", "c"), subjects(AuditPage.of(List.of(at(3, "c"), at(1, "a"), at(2, "b")), 5)));
    }

    @Test
    void aPageNeverEndsInsideAnInstantSoTheNextPageAfterItsLastEventMissesNone() {
        List<AuditEvent> events = List.of(at(1, "a"), at(2, "b1"), at(2, "b2"), at(2, "b3"), at(3, "c"));
        // A cut after 3 would split the three events of second 2: the page stops before them.
        assertEquals(List.of("a"), subjects(AuditPage.of(events, 3)));
        assertEquals(List.of("a", "b1", "b2", "b3"), subjects(AuditPage.of(events, 4)));
    }

    @Test
    void oneInstantWithMoreEventsThanTheLimitIsCutAsIs() {
        List<AuditEvent> events = List.of(at(2, "b1"), at(2, "b2"), at(2, "b3"));
        assertEquals(2, AuditPage.of(events, 2).size());
        assertThrows(IllegalArgumentException.class, () -> AuditPage.of(events, 0));
    }
}
