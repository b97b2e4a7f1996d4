package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventDrivenChecksTest {
    private static final Instant T0 = Instant.parse("2026-12-06T18:00:00Z");
    private static final Duration WINDOW = Duration.ofSeconds(1);

    private final MutableClock clock = new MutableClock(T0);
    private final List<Instant> visibleAt = new ArrayList<>();
    private final EventDrivenChecks checks = new EventDrivenChecks(delay -> visibleAt.add(clock.instant().plus(delay)),
            WINDOW, clock);

    @Test
    void theFirstEventIsCheckedAtOnceAndABurstCostsOneCheckAWindowEachStartingAfterItsEvents() {
        assertTrue(checks.requested(List.of("service:create")).queued());
        assertEquals(List.of(T0), visibleAt, "at once");
        // The message is consumed at once; an event 200 ms later needs a check of its own, at the window's end.
        clock.advance(Duration.ofMillis(200));
        EventDrivenChecks.Outcome second = checks.requested(List.of("service:update"));
        assertTrue(second.queued());
        assertEquals(T0.plus(WINDOW), second.checkAt());
        // Until that one is visible, every event is covered by it: it starts after them.
        clock.advance(Duration.ofMillis(500));
        EventDrivenChecks.Outcome third = checks.requested(List.of("node:update", "service:update"));
        assertFalse(third.queued());
        assertTrue(third.checkAt().isAfter(clock.instant()));
        assertEquals(List.of(T0, T0.plus(WINDOW)), visibleAt);
        // Long after, at once again.
        clock.advance(Duration.ofSeconds(10));
        checks.requested(List.of("node:remove"));
        assertEquals(clock.instant(), visibleAt.get(2));
    }

    @Test
    void onlyTheForwardedEventsAreTakenAndAFailedSendIsNotRecorded() {
        assertThrows(IllegalArgumentException.class, () -> checks.requested(List.of()));
        assertThrows(IllegalArgumentException.class, () -> checks.requested(List.of("container:start")));
        assertThrows(IllegalArgumentException.class, () -> checks.requested(List.of("service:create", "secret:create")));
        assertEquals(List.of(), visibleAt);
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean(true);
        EventDrivenChecks flaky = new EventDrivenChecks(delay -> {
            if (down.getAndSet(false)) {
                throw new IllegalStateException("queue down");
            }
            visibleAt.add(clock.instant().plus(delay));
        }, WINDOW, clock);
        assertThrows(IllegalStateException.class, () -> flaky.requested(List.of("service:create")));
        EventDrivenChecks.Outcome retried = flaky.requested(List.of("service:create"));
        assertTrue(retried.queued(), "the failed send did not count as a check on its way");
        assertEquals(List.of(T0), visibleAt);
    }

    @Test
    void aFollowUpIsSentUnlessACheckOnItsWayStartsByThen() {
        assertEquals(T0.plusSeconds(1), checks.followUp(Duration.ofSeconds(1)));
        assertEquals(List.of(T0.plusSeconds(1)), visibleAt);
        // Already covered: the message on its way starts within the delay.
        assertEquals(T0.plusSeconds(1), checks.followUp(Duration.ofSeconds(2)));
        assertEquals(1, visibleAt.size());
        // Once it has started, the next follow-up is a message of its own.
        clock.advance(Duration.ofSeconds(1));
        checks.followUp(Duration.ofSeconds(1));
        assertEquals(List.of(T0.plusSeconds(1), T0.plusSeconds(2)), visibleAt);
    }
}
