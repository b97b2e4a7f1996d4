package io.harbormaster.emulator.imds;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The scheduled events document as JSON (Learn, linux/scheduled-events.md "Query for events" and "Event properties"),
 * with the fields each api-version introduced: Description 2019-04-01, EventSource 2019-08-01, DurationInSeconds
 * 2020-07-01 ("Version and region availability").
 */
final class EventsJson {
    /** "Mon, 19 Sep 2016 18:29:47 GMT": RFC 1123 with a two-digit day, as Learn's example shows it. */
    static final DateTimeFormatter NOT_BEFORE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private EventsJson() {
    }

    static ObjectNode of(EventsDocument document, String apiVersion) {
        ObjectNode json = NODES.objectNode();
        json.put("DocumentIncarnation", document.documentIncarnation());
        ArrayNode events = json.putArray("Events");
        for (ScheduledEvent event : document.events()) {
            ObjectNode entry = events.addObject();
            entry.put("EventId", event.eventId());
            entry.put("EventType", event.eventType());
            entry.put("ResourceType", event.resourceType());
            ArrayNode resources = entry.putArray("Resources");
            event.resources().forEach(resources::add);
            entry.put("EventStatus", event.eventStatus());
            // Learn: NotBefore "will be blank ... after the event starts"; the backend gives null then.
            entry.put("NotBefore", event.notBefore() == null ? "" : NOT_BEFORE.format(event.notBefore()));
            if (ApiVersions.atLeast(apiVersion, "2019-04-01")) {
                entry.put("Description", event.description());
            }
            if (ApiVersions.atLeast(apiVersion, "2019-08-01")) {
                entry.put("EventSource", event.eventSource());
            }
            if (ApiVersions.atLeast(apiVersion, "2020-07-01")) {
                entry.put("DurationInSeconds", event.durationInSeconds());
            }
        }
        return json;
    }
}
