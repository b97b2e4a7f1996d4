package io.harbormaster.swarm;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import io.harbormaster.audit.AuditTrail;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Rotates the swarm's join tokens, on demand and on a schedule, as {@code docker swarm join-token --rotate} does.
 *
 * <p>The swarm itself is the record: each rotation writes its time into a spec label in the same conditional update
 * (by spec version) that rotates the tokens. So several app instances that look at the schedule at once rotate once:
 * the others' updates conflict, and when they read again the rotation is no longer due.
 */
public final class JoinTokenRotation {
    private static final Logger LOG = Logger.getLogger(JoinTokenRotation.class.getName());
    /** Reads and conditional updates tried before giving up: each conflict means another writer got there first. */
    static final int ATTEMPTS = 3;

    private final Swarm swarm;
    private final JoinTicketCache tickets;
    private final Optional<Duration> interval;
    private final Clock clock;
    private final AuditTrail audit;

    public JoinTokenRotation(Swarm swarm, JoinTicketCache tickets, Optional<Duration> interval, Clock clock,
            AuditTrail audit) {
        this.audit = audit;
        this.swarm = swarm;
        this.tickets = tickets;
        this.interval = interval;
        this.clock = clock;
    }

    /** Which roles were rotated and when; never the tokens. */
    public record Rotated(Set<SwarmRole> roles, Instant at) {
        public Rotated {
            roles = Set.copyOf(roles);
        }

        /** Role names in a fixed order (worker, then manager), for replies and logs. */
        public List<String> roleNames() {
            return Arrays.stream(SwarmRole.values()).filter(roles::contains).map(SwarmRole::urlName).toList();
        }
    }

    /** The schedule's interval, empty when rotation runs on demand only. */
    public Optional<Duration> interval() {
        return interval;
    }

    /**
     * The roles whose token is at least {@code interval} old at {@code now}: a token's age counts from our last rotation
     * of it, or from the swarm's creation when we never rotated it.
     */
    public static Set<SwarmRole> due(JoinTokenRecord record, Instant now, Duration interval) {
        Set<SwarmRole> due = EnumSet.noneOf(SwarmRole.class);
        for (SwarmRole role : SwarmRole.values()) {
            if (!record.tokenSince(role).plus(interval).isAfter(now)) {
                due.add(role);
            }
        }
        return due;
    }

    /**
     * Rotates {@code roles} now (an operator's request); re-reads and retries when another writer changed the spec.
     *
     * @throws SwarmVersionConflictException when the spec changed under every attempt
     */
    public Rotated rotate(Set<SwarmRole> roles) {
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("no role to rotate");
        }
        return attempt(record -> roles, "on demand").orElseThrow();
    }

    /** Rotates the roles whose token is due on the schedule, if any; empty when none is due or no schedule is set. */
    public Optional<Rotated> rotateIfDue() {
        if (interval.isEmpty()) {
            return Optional.empty();
        }
        return attempt(record -> due(record, clock.instant(), interval.get()), "on schedule (every " + interval.get() + ")");
    }

    private interface Choice {
        Set<SwarmRole> roles(JoinTokenRecord record);
    }

    private Optional<Rotated> attempt(Choice choice, String trigger) {
        SwarmVersionConflictException conflict = null;
        for (int i = 0; i < ATTEMPTS; i++) {
            JoinTokenRecord record = swarm.joinTokenRecord();
            Set<SwarmRole> roles = choice.roles(record);
            if (roles.isEmpty()) {
                return Optional.empty();
            }
            Instant at = clock.instant();
            try {
                swarm.rotateJoinTokens(record, roles, at);
            } catch (SwarmVersionConflictException e) {
                conflict = e;
                continue;
            }
            tickets.invalidate(roles);
            Rotated rotated = new Rotated(roles, at);
            LOG.info(() -> "join tokens rotated " + trigger + ": " + String.join(", ", rotated.roleNames())
                    + " at " + at);
            audit.record(AuditEvent.of(at, AuditKind.JOIN_TOKENS_ROTATED, "swarm", "rotated " + trigger,
                    "roles", String.join(",", rotated.roleNames())));
            return Optional.of(rotated);
        }
        throw conflict;
    }

    @Override
    public String toString() {
        return "JoinTokenRotation[" + interval.map(d -> "every " + d).orElse("on demand only") + "]";
    }
}
