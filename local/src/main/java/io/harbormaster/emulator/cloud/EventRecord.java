package io.harbormaster.emulator.cloud;

import java.time.Instant;
import java.util.List;

/**
 * What became of one scheduled event: when it was posted, which VM approved it and when (null if none did), and when
 * it started, or when it was cancelled (it then never starts). Tests read it to tell an approval that waited for a drain from one that did not.
 */
public record EventRecord(
        String eventId,
        String eventType,
        List<String> resources,
        Instant scheduledAt,
        Instant notBefore,
        String approvedBy,
        Instant approvedAt,
        Instant startedAt,
        Instant cancelledAt) {

    EventRecord approved(String vmName, Instant at) {
        return approvedAt != null ? this
                : new EventRecord(eventId, eventType, resources, scheduledAt, notBefore, vmName, at, startedAt, cancelledAt);
    }

    EventRecord started(Instant at) {
        return new EventRecord(eventId, eventType, resources, scheduledAt, notBefore, approvedBy, approvedAt, at, cancelledAt);
    }

    EventRecord cancelled(Instant at) {
        return new EventRecord(eventId, eventType, resources, scheduledAt, notBefore, approvedBy, approvedAt, startedAt, at);
    }
}
