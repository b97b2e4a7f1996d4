package io.harbormaster.config;

import java.time.Duration;

/** How the drain worker paces itself and how long it waits before giving up. */
public record DrainSettings(
        Duration checkInterval,
        Duration defaultTimeout,
        Duration leaveTimeout,
        Duration unreachableTimeout) {

    public static final String CHECK_INTERVAL = "HARBORMASTER_DRAIN_CHECK_INTERVAL";
    public static final String TIMEOUT = "HARBORMASTER_DRAIN_TIMEOUT";
    public static final String LEAVE_TIMEOUT = "HARBORMASTER_DRAIN_LEAVE_TIMEOUT";
    public static final String UNREACHABLE_TIMEOUT = "HARBORMASTER_DRAIN_UNREACHABLE_TIMEOUT";

    /** Reads and checks the drain settings; the check interval is at least 1 s, a storage queue's visibility unit. */
    public static DrainSettings from(AppSettings settings) {
        return new DrainSettings(
                settings.duration(CHECK_INTERVAL, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofMinutes(5)),
                settings.duration(TIMEOUT, Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofHours(24)),
                settings.duration(LEAVE_TIMEOUT, Duration.ofMinutes(30), Duration.ofSeconds(1), Duration.ofHours(24)),
                settings.duration(UNREACHABLE_TIMEOUT, Duration.ofMinutes(15), Duration.ofSeconds(1), Duration.ofHours(24)));
    }
}
