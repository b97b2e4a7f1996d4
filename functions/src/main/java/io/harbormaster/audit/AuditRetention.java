package io.harbormaster.audit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.logging.Logger;

/** Keeps the trail within its retention: prunes at most once an hour per app instance, from the capacity timer. */
public final class AuditRetention {
    private static final Logger LOG = Logger.getLogger(AuditRetention.class.getName());
    static final Duration EVERY = Duration.ofHours(1);

    private final AuditTrail trail;
    private final Duration retention;
    private final Clock clock;
    private Instant lastPrune = Instant.EPOCH;

    public AuditRetention(AuditTrail trail, Duration retention, Clock clock) {
        this.trail = trail;
        this.retention = retention;
        this.clock = clock;
    }

    public AuditTrail trail() {
        return trail;
    }

    public Duration retention() {
        return retention;
    }

    /** Prunes events older than the retention when the last prune is an hour old; a failure waits for the next hour. */
    public synchronized void pruneIfDue() {
        Instant now = clock.instant();
        if (now.isBefore(lastPrune.plus(EVERY))) {
            return;
        }
        lastPrune = now;
        try {
            int deleted = trail.prune(now.minus(retention));
            if (deleted > 0) {
                LOG.info("audit: " + deleted + " hour(s) of events older than " + retention + " deleted");
            }
        } catch (RuntimeException e) {
            LOG.warning("audit: pruning failed (" + e.getClass().getSimpleName() + "); tried again in an hour");
        }
    }
}
