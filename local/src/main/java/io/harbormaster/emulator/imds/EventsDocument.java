package io.harbormaster.emulator.imds;

import java.util.List;

/** The scheduled events document: its incarnation grows whenever the events change. */
public record EventsDocument(long documentIncarnation, List<ScheduledEvent> events) {
}
