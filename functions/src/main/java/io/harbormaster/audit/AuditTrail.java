package io.harbormaster.audit;

import java.time.Instant;
import java.util.List;

/**
 * The audit trail: every decision and action with its reason, and refused callers, kept for the retention period.
 * Recording never throws: an event that cannot be stored is logged in full instead, so it is never lost without a trace.
 */
public interface AuditTrail {
    void record(AuditEvent event);

    /**
     * Events strictly after {@code since}, oldest first, at most {@code limit}; a page never ends between two events of
     * the same instant unless one instant alone holds more than {@code limit}.
     */
    List<AuditEvent> since(Instant since, int limit);

    /** Forgets events older than {@code before}; returns how many stored parts were deleted. */
    int prune(Instant before);

    /** A trail that stores nothing and lists nothing: for code built without storage. */
    AuditTrail NONE = new AuditTrail() {
        @Override
        public void record(AuditEvent event) {
        }

        @Override
        public List<AuditEvent> since(Instant since, int limit) {
            return List.of();
        }

        @Override
        public int prune(Instant before) {
            return 0;
        }
    };
}
