package io.harbormaster.audit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The newest events of the audit trail for the status page, shared by every viewer of one app instance: the trail is
 * read at most every {@link #MAX_AGE}, whatever the number of pages polling.
 */
public final class RecentEvents {
    static final Duration MAX_AGE = Duration.ofSeconds(5);
    /** How far back the page looks, and how many of those events it shows, newest first. */
    public static final Duration WINDOW = Duration.ofMinutes(10);
    public static final int SHOWN = 50;
    private static final int READ_AT_MOST = 1000;

    private final AuditTrail trail;
    private final Clock clock;
    private List<AuditEvent> newest = List.of();
    private Instant readAt = Instant.EPOCH;

    public RecentEvents(AuditTrail trail, Clock clock) {
        this.trail = trail;
        this.clock = clock;
    }

    /** Up to {@link #SHOWN} events of the last {@link #WINDOW}, newest first; throws what reading the trail throws. */
    public synchronized List<AuditEvent> newest() {
        Instant now = clock.instant();
        if (now.isBefore(readAt.plus(MAX_AGE))) {
            return newest;
        }
        List<AuditEvent> read = new ArrayList<>(trail.since(now.minus(WINDOW), READ_AT_MOST));
        Collections.reverse(read);
        newest = List.copyOf(read.subList(0, Math.min(SHOWN, read.size())));
        readAt = now;
        return newest;
    }
}
