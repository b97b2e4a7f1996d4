package io.harbormaster.trust;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import io.harbormaster.audit.AuditTrail;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Refused node calls on the audit trail, at most {@link #PER_MINUTE} events a minute per app instance: a flood of
 * forged calls must not become a flood of storage writes. Refusals beyond that are counted, and the first event of the
 * next minute says how many were left out, so a spike still shows.
 */
final class RefusalAudit {
    static final int PER_MINUTE = 60;

    private final AuditTrail trail;
    private final Clock clock;
    private Instant minute = Instant.EPOCH;
    private int recorded;
    private int leftOut;

    RefusalAudit(AuditTrail trail, Clock clock) {
        this.trail = trail;
        this.clock = clock;
    }

    void record(String route, TrustRefusal refusal) {
        Instant now = clock.instant();
        int leftOutBefore;
        synchronized (this) {
            Instant thisMinute = now.truncatedTo(ChronoUnit.MINUTES);
            leftOutBefore = 0;
            if (!thisMinute.equals(minute)) {
                minute = thisMinute;
                recorded = 0;
                leftOutBefore = leftOut;
                leftOut = 0;
            }
            if (recorded >= PER_MINUTE) {
                leftOut++;
                return;
            }
            recorded++;
        }
        trail.record(AuditEvent.of(now, AuditKind.CALLER_REFUSED, refusal.claimed(), refusal.getMessage(),
                "route", route, "code", refusal.kind().code(), "status", Integer.toString(refusal.kind().status()),
                "leftOutBefore", leftOutBefore > 0 ? leftOutBefore + " refusal(s) in the minute before were not recorded" : null));
    }
}
