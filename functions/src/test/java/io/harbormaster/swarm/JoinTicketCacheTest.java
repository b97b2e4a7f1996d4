package io.harbormaster.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JoinTicketCacheTest {
    private static final Duration STEP = Duration.ofMillis(50);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T08:00:00Z"));
    private final InMemorySwarm swarm = new InMemorySwarm(clock);
    private final JoinTicketCache cache = new JoinTicketCache(swarm, clock);

    @BeforeEach
    void aSwarmWithTwoManagers() {
        swarm.addManager("manager-1");
        swarm.addManager("manager-2");
        swarm.addWorker("agent-1");
    }

    @Test
    void aTicketIsReadOnceAndServedFromMemoryUpToTheBound() {
        JoinTicket first = cache.ticket(SwarmRole.WORKER);
        assertEquals(swarm.joinTicket(SwarmRole.WORKER), first);
        int reads = swarm.joinTicketReads();

        clock.advance(JoinTicketCache.MAX_STALENESS);
        assertEquals(first, cache.ticket(SwarmRole.WORKER));
        assertEquals(reads, swarm.joinTicketReads(), "a ticket exactly at the bound is still served from memory");

        clock.advance(Duration.ofMillis(1));
        assertEquals(first, cache.ticket(SwarmRole.WORKER));
        assertEquals(reads + 1, swarm.joinTicketReads(), "past the bound the ticket is read again");
    }

    @Test
    void eachRoleHasItsOwnTicket() {
        assertEquals("SWMTKN-1-worker", cache.ticket(SwarmRole.WORKER).token());
        assertEquals("SWMTKN-1-manager", cache.ticket(SwarmRole.MANAGER).token());
        assertEquals(List.of("manager-1:2377", "manager-2:2377"), cache.ticket(SwarmRole.MANAGER).managerAddresses());
    }

    @Test
    void withoutBackgroundPassesARotatedTokenIsServedNoLaterThanTheBoundAfterTheRead() {
        Instant readAt = clock.instant();
        cache.ticket(SwarmRole.WORKER);
        clock.advance(Duration.ofMillis(300));
        swarm.rotateJoinTokens();
        String rotated = swarm.joinTicket(SwarmRole.WORKER).token();

        Instant firstNew = firstTimeServed(rotated, false);
        assertEquals(readAt.plus(JoinTicketCache.MAX_STALENESS).plus(STEP), firstNew);
    }

    @Test
    void withBackgroundPassesARotatedTokenIsServedWellWithinTheBound() {
        cache.ticket(SwarmRole.WORKER);
        clock.advance(Duration.ofMillis(300));
        swarm.rotateJoinTokens();
        Instant rotatedAt = clock.instant();
        String rotated = swarm.joinTicket(SwarmRole.WORKER).token();

        Instant firstNew = firstTimeServed(rotated, true);
        Duration behind = Duration.between(rotatedAt, firstNew);
        assertTrue(behind.compareTo(JoinTicketCache.MAX_STALENESS) <= 0, "served the old token for " + behind);
        assertTrue(behind.compareTo(JoinTicketCache.REFRESH_AFTER.plus(JoinTicketCache.PASS_INTERVAL)) <= 0,
                "the background pass should have read it after " + JoinTicketCache.REFRESH_AFTER + ", not " + behind);
    }

    @Test
    void backgroundPassesKeepAnAskedForTicketFreshSoRequestsNeverWaitForTheSwarm() {
        cache.ticket(SwarmRole.WORKER);
        for (int i = 0; i < 100; i++) {
            clock.advance(JoinTicketCache.PASS_INTERVAL);
            cache.refreshDue();
            int reads = swarm.joinTicketReads();
            cache.ticket(SwarmRole.WORKER);
            assertEquals(reads, swarm.joinTicketReads(), "a request read the swarm itself at pass " + i);
        }
        // Every REFRESH_AFTER + at most one pass: not once per pass.
        assertTrue(swarm.joinTicketReads() <= 1 + 100 * JoinTicketCache.PASS_INTERVAL.toMillis()
                / JoinTicketCache.REFRESH_AFTER.toMillis() + 1, swarm.joinTicketReads() + " reads");
    }

    @Test
    void aTicketIsNotServedOnceTheSwarmHasBeenUnreachableForLongerThanTheBound() {
        Instant readAt = clock.instant();
        JoinTicket ticket = cache.ticket(SwarmRole.WORKER);
        clock.advance(Duration.ofMillis(100));
        swarm.setUnavailable(true);

        while (!clock.instant().isAfter(readAt.plus(JoinTicketCache.MAX_STALENESS))) {
            cache.refreshDue();
            assertEquals(ticket, cache.ticket(SwarmRole.WORKER), "the swarm answered less than the bound ago");
            clock.advance(STEP);
        }
        cache.refreshDue();
        assertThrows(SwarmUnavailableException.class, () -> cache.ticket(SwarmRole.WORKER));
        clock.advance(Duration.ofSeconds(30));
        assertThrows(SwarmUnavailableException.class, () -> cache.ticket(SwarmRole.WORKER));
    }

    @Test
    void aFailedReadIsAnsweredAgainForTheHoldThenTheSwarmIsAskedAgain() {
        swarm.setUnavailable(true);
        assertThrows(SwarmUnavailableException.class, () -> cache.ticket(SwarmRole.WORKER));
        int reads = swarm.joinTicketReads();
        clock.advance(JoinTicketCache.FAILURE_HOLD.minusMillis(1));
        cache.refreshDue();
        assertThrows(SwarmUnavailableException.class, () -> cache.ticket(SwarmRole.WORKER));
        assertEquals(reads, swarm.joinTicketReads(), "a dead manager is asked once per hold, not per request");

        swarm.setUnavailable(false);
        clock.advance(Duration.ofMillis(1));
        assertEquals("SWMTKN-1-worker", cache.ticket(SwarmRole.WORKER).token());
    }

    @Test
    void aRoleNobodyAsksForIsNotPolled() {
        cache.ticket(SwarmRole.WORKER);
        clock.advance(JoinTicketCache.IDLE_AFTER);
        int reads = swarm.joinTicketReads();
        for (int i = 0; i < 20; i++) {
            cache.refreshDue();
            clock.advance(JoinTicketCache.PASS_INTERVAL);
        }
        assertEquals(reads, swarm.joinTicketReads());
    }

    @Test
    void warmingReadsOnceWithoutMakingTheRoleAskedFor() {
        cache.warm(SwarmRole.WORKER);
        cache.warm(SwarmRole.WORKER);
        assertEquals(1, swarm.joinTicketReads());
        assertEquals("SWMTKN-1-worker", cache.ticket(SwarmRole.WORKER).token());
        assertEquals(1, swarm.joinTicketReads(), "the first request is served from the warmed ticket");

        JoinTicketCache idle = new JoinTicketCache(swarm, clock);
        idle.warm(SwarmRole.MANAGER);
        int reads = swarm.joinTicketReads();
        clock.advance(JoinTicketCache.REFRESH_AFTER);
        idle.refreshDue();
        assertEquals(reads, swarm.joinTicketReads(), "nobody asked: the background pass leaves it");
    }

    @Test
    void theTokenDoesNotShowInTheTicketsText() {
        assertTrue(!cache.ticket(SwarmRole.WORKER).toString().contains("SWMTKN"));
    }

    /** Steps the clock, asking for the worker ticket at each step, until it carries {@code token}. */
    private Instant firstTimeServed(String token, boolean backgroundPasses) {
        long passEvery = JoinTicketCache.PASS_INTERVAL.toMillis() / STEP.toMillis();
        for (int step = 1; step < 200; step++) {
            clock.advance(STEP);
            if (backgroundPasses && step % passEvery == 0) {
                cache.refreshDue();
            }
            if (cache.ticket(SwarmRole.WORKER).token().equals(token)) {
                return clock.instant();
            }
        }
        throw new AssertionError("the rotated token was never served");
    }
}
