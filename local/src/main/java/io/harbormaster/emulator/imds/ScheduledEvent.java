package io.harbormaster.emulator.imds;

import java.time.Instant;
import java.util.List;

/**
 * One entry of the scheduled events document (Learn: "Azure Metadata Service: Scheduled Events for Linux VMs").
 * {@code notBefore} is null once the event has started; {@code resources} are VM names ({@code ss_3}).
 */
public record ScheduledEvent(
        String eventId,
        String eventType,
        String resourceType,
        List<String> resources,
        String eventStatus,
        Instant notBefore,
        String description,
        String eventSource,
        int durationInSeconds) {
}
