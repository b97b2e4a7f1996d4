package io.harbormaster.audit;

import io.harbormaster.config.AppSettings;
import java.time.Duration;

/** How long the audit trail keeps its events ({@code HARBORMASTER_AUDIT_RETENTION}, default 30 days). */
public record AuditSettings(Duration retention) {
    public static final String RETENTION = "HARBORMASTER_AUDIT_RETENTION";
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);

    public static AuditSettings from(AppSettings settings) {
        return new AuditSettings(settings.duration(RETENTION, DEFAULT_RETENTION, Duration.ofHours(1), Duration.ofDays(3650)));
    }
}
