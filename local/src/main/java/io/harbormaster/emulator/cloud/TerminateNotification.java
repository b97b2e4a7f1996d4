package io.harbormaster.emulator.cloud;

import java.time.Duration;

/**
 * scheduledEventsProfile.terminateNotificationProfile: when enabled, deleting an instance first posts a Terminate
 * event with this much notice (Learn allows 5 to 15 minutes; tests use less).
 */
public record TerminateNotification(boolean enable, Duration notBeforeTimeout) {
    public static final TerminateNotification OFF = new TerminateNotification(false, Duration.ofMinutes(5));
}
