package io.harbormaster.config;

import java.time.Duration;

/** How the drain worker paces itself, how long it waits before giving up, and how long finished statuses are kept. */
public record DrainSettings(
        Duration checkInterval,
        Duration defaultTimeout,
        Duration leaveTimeout,
        Duration unreachableTimeout,
        Duration statusRetention) {

    public static final String CHECK_INTERVAL = "HARBORMASTER_DRAIN_CHECK_INTERVAL";
    public static final String TIMEOUT = "HARBORMASTER_DRAIN_TIMEOUT";
    public static final String LEAVE_TIMEOUT = "HARBORMASTER_DRAIN_LEAVE_TIMEOUT";
    public static final String UNREACHABLE_TIMEOUT = "HARBORMASTER_DRAIN_UNREACHABLE_TIMEOUT";
    public static final String STATUS_RETENTION = "HARBORMASTER_DRAIN_STATUS_RETENTION";

    /**
     * Reads and checks the drain settings; the check interval is at least 1 s, a storage queue's visibility unit.
     * The status retention is at least an hour, so a finished drain can still be looked up after it ends.
     */
    public static DrainSettings from(AppSettings settings) {
        return new DrainSettings(
                settings.duration(CHECK_INTERVAL, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofMinutes(5)),
                settings.duration(TIMEOUT, Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofHours(24)),
                settings.duration(LEAVE_TIMEOUT, Duration.ofMinutes(30), Duration.ofSeconds(1), Duration.ofHours(24)),
                settings.duration(UNREACHABLE_TIMEOUT, Duration.ofMinutes(15), Duration.ofSeconds(1), Duration.ofHours(24)),
                settings.duration(STATUS_RETENTION, Duration.ofDays(7), Duration.ofHours(1), Duration.ofDays(365)));
    }
}
