package io.harbormaster.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.audit.AuditTrail;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.MutableClock;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JoinTokenRotationTest {
    private static final Instant CREATED = Instant.parse("2026-12-01T08:00:00Z");
    private static final Duration WEEK = Duration.ofDays(7);

    private final MutableClock clock = new MutableClock(CREATED);
    private final InMemorySwarm swarm = new InMemorySwarm(clock);
    private final JoinTicketCache tickets = new JoinTicketCache(swarm, clock);
    private final JoinTokenRotation rotation = new JoinTokenRotation(swarm, tickets, Optional.of(WEEK), clock, AuditTrail.NONE);

    @BeforeEach
    void aSwarmWithAManager() {
        swarm.addManager("manager-1");
    }

    @Test
    void aTokenIsDueOnceItIsIntervalOldCountingFromOurLastRotationElseFromTheSwarmsCreation() {
        Instant workerRotated = CREATED.plus(Duration.ofDays(3));
        JoinTokenRecord record = new JoinTokenRecord(5, CREATED, Map.of(SwarmRole.WORKER, workerRotated));
        assertEquals(Set.of(), JoinTokenRotation.due(record, CREATED.plus(WEEK).minusMillis(1), WEEK));
        assertEquals(Set.of(SwarmRole.MANAGER), JoinTokenRotation.due(record, CREATED.plus(WEEK), WEEK));
        assertEquals(Set.of(SwarmRole.MANAGER), JoinTokenRotation.due(record, workerRotated.plus(WEEK).minusMillis(1), WEEK));
        assertEquals(EnumSet.allOf(SwarmRole.class), JoinTokenRotation.due(record, workerRotated.plus(WEEK), WEEK));
    }

    @Test
    void theScheduleRotatesBothTokensWhenDueAndRecordsWhen() {
        assertEquals(Optional.empty(), rotation.rotateIfDue(), "a new swarm's tokens are not due");
        assertEquals(0, swarm.portRotations());

        clock.advance(WEEK);
        JoinTokenRotation.Rotated rotated = rotation.rotateIfDue().orElseThrow();
        assertEquals(List.of("worker", "manager"), rotated.roleNames());
        assertEquals(clock.instant(), rotated.at());
        assertEquals(Map.of(SwarmRole.WORKER, clock.instant(), SwarmRole.MANAGER, clock.instant()),
                swarm.joinTokenRecord().rotatedAt());
        assertEquals("SWMTKN-1-worker-1", swarm.joinTicket(SwarmRole.WORKER).token());

        clock.advance(Duration.ofHours(1));
        assertEquals(Optional.empty(), rotation.rotateIfDue(), "the next hour finds nothing due");
        assertEquals(1, swarm.portRotations());
    }

    @Test
    void severalAppInstancesLookingAtOnceRotateOnce() {
        JoinTokenRotation other = new JoinTokenRotation(swarm, new JoinTicketCache(swarm, clock), Optional.of(WEEK), clock, AuditTrail.NONE);
        clock.advance(WEEK.plusMinutes(17));
        assertTrue(rotation.rotateIfDue().isPresent());
        assertEquals(Optional.empty(), other.rotateIfDue());
        assertEquals(1, swarm.portRotations());
    }

    @Test
    void aConflictingSpecUpdateIsReadAgainAndTheDecisionMadeAgain() {
        clock.advance(WEEK);
        JoinTokenRecord stale = swarm.joinTokenRecord();
        swarm.bumpSwarmVersion();
        assertThrows(SwarmVersionConflictException.class,
                () -> swarm.rotateJoinTokens(stale, Set.of(SwarmRole.WORKER), clock.instant()));
        assertEquals(0, swarm.portRotations(), "a stale version changes nothing");
        assertTrue(rotation.rotateIfDue().isPresent(), "a fresh read rotates");
    }

    @Test
    void aRotationOnDemandIsServedByTheTicketCacheAtOnce() {
        String before = tickets.ticket(SwarmRole.WORKER).token();
        String managerBefore = tickets.ticket(SwarmRole.MANAGER).token();
        clock.advance(Duration.ofMillis(10));

        JoinTokenRotation.Rotated rotated = rotation.rotate(Set.of(SwarmRole.WORKER));
        assertEquals(List.of("worker"), rotated.roleNames());
        String after = tickets.ticket(SwarmRole.WORKER).token();
        assertNotEquals(before, after, "no stale worker ticket after the rotation, though it is within the bound");
        assertEquals(swarm.joinTicket(SwarmRole.WORKER).token(), after);
        assertEquals(managerBefore, tickets.ticket(SwarmRole.MANAGER).token(), "the manager token was not rotated");
        assertEquals(Set.of(SwarmRole.WORKER), swarm.joinTokenRecord().rotatedAt().keySet());
    }

    @Test
    void onDemandRotationWorksWithTheScheduleOffAndTheScheduleThenDoesNothing() {
        JoinTokenRotation manual = new JoinTokenRotation(swarm, tickets, Optional.empty(), clock, AuditTrail.NONE);
        clock.advance(Duration.ofDays(400));
        assertEquals(Optional.empty(), manual.rotateIfDue());
        assertEquals(0, swarm.portRotations());
        assertEquals(List.of("worker", "manager"), manual.rotate(EnumSet.allOf(SwarmRole.class)).roleNames());
        assertEquals(1, swarm.portRotations());
    }

    @Test
    void aReadThatOverlapsAnInvalidationIsNotKept() {
        JoinTicketCache[] cache = new JoinTicketCache[1];
        boolean[] once = {true};
        // The swarm as seen through a proxy: the rotation lands while the first read is on its way back.
        Swarm racing = (Swarm) Proxy.newProxyInstance(Swarm.class.getClassLoader(), new Class<?>[] {Swarm.class},
                (proxy, method, args) -> {
                    Object answer = method.invoke(swarm, args);
                    if (method.getName().equals("joinTicket") && once[0]) {
                        once[0] = false;
                        swarm.rotateJoinTokens();
                        cache[0].invalidate(Set.of((SwarmRole) args[0]));
                    }
                    return answer;
                });
        cache[0] = new JoinTicketCache(racing, clock);
        assertEquals("SWMTKN-1-worker", cache[0].ticket(SwarmRole.WORKER).token(), "the overlapping request gets its read");
        assertEquals("SWMTKN-1-worker-1", cache[0].ticket(SwarmRole.WORKER).token(), "but the cache does not keep it");
    }

    @Test
    void noManagerAnsweringFailsTheRotationAndChangesNothing() {
        swarm.setUnavailable(true);
        assertThrows(SwarmUnavailableException.class, () -> rotation.rotate(Set.of(SwarmRole.MANAGER)));
        swarm.setUnavailable(false);
        assertEquals(Map.of(), swarm.joinTokenRecord().rotatedAt());
    }
}
