package io.harbormaster.emulator.cloud;

import io.harbormaster.emulator.imds.EventsDocument;
import io.harbormaster.emulator.imds.ScheduledEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The scheduled events of the emulated cloud (Learn: "Azure Metadata Service: Scheduled Events for Linux VMs"): an
 * event waits until every VM's approval lets it go or its NotBefore passes, then starts, then disappears; the document
 * incarnation grows on every change.
 */
final class ScheduledEventBook {
    private final Clock clock;
    private final Map<String, Pending> events = new LinkedHashMap<>();
    // Every event ever posted, ended ones too, with its approval: the emulator's own record, not part of IMDS.
    private final Map<String, EventRecord> history = new LinkedHashMap<>();
    private long incarnation = 1;

    ScheduledEventBook(Clock clock) {
        this.clock = clock;
    }

    /** An event in the book, and the signal that lets it go before NotBefore. */
    static final class Pending {
        private volatile ScheduledEvent event;
        private final CompletableFuture<Void> approved = new CompletableFuture<>();
        private volatile boolean cancelled;

        Pending(ScheduledEvent event) {
            this.event = event;
        }

        String id() {
            return event.eventId();
        }
    }

    synchronized Pending schedule(String type, List<String> resources, Duration notice, String description, String source) {
        ScheduledEvent event = new ScheduledEvent(UUID.randomUUID().toString().toUpperCase(java.util.Locale.ROOT), type,
                "VirtualMachine", List.copyOf(resources), "Scheduled", clock.instant().plus(notice), description, source,
                -1);
        Pending pending = new Pending(event);
        events.put(event.eventId(), pending);
        history.put(event.eventId(), new EventRecord(event.eventId(), type, event.resources(), clock.instant(),
                event.notBefore(), null, null, null, null));
        incarnation++;
        return pending;
    }

    /**
     * Blocks until the event is approved, cancelled or its NotBefore has passed; then marks it Started and returns
     * true, or returns false if it was cancelled (it never starts).
     */
    boolean awaitStart(Pending pending) {
        Duration wait = Duration.between(clock.instant(), pending.event.notBefore());
        try {
            if (!wait.isNegative()) {
                pending.approved.get(wait.toMillis() + 1, TimeUnit.MILLISECONDS);
            }
        } catch (TimeoutException notApproved) {
            // Learn: without an approval the event starts at NotBefore.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException impossible) {
            // never completed exceptionally
        }
        synchronized (this) {
            if (pending.cancelled) {
                return false;
            }
            ScheduledEvent e = pending.event;
            pending.event = new ScheduledEvent(e.eventId(), e.eventType(), e.resourceType(), e.resources(), "Started",
                    null, e.description(), e.eventSource(), e.durationInSeconds());
            if (events.containsKey(e.eventId())) {
                incarnation++;
            }
            history.computeIfPresent(e.eventId(), (id, record) -> record.started(clock.instant()));
            return true;
        }
    }

    /**
     * Learn ("Scheduled Events for Linux VMs"): an event Azure cancels disappears from the document. Cancels every
     * not yet started event listing {@code vmName}; returns their ids.
     */
    synchronized List<String> cancel(String vmName) {
        List<String> cancelled = new java.util.ArrayList<>();
        for (Pending pending : List.copyOf(events.values())) {
            ScheduledEvent e = pending.event;
            if (e.resources().contains(vmName) && "Scheduled".equals(e.eventStatus())) {
                pending.cancelled = true;
                events.remove(e.eventId());
                history.computeIfPresent(e.eventId(), (id, record) -> record.cancelled(clock.instant()));
                pending.approved.complete(null);
                cancelled.add(e.eventId());
            }
        }
        if (!cancelled.isEmpty()) {
            incarnation++;
        }
        return cancelled;
    }

    /** The event has ended: it disappears from the document. */
    synchronized void finish(Pending pending) {
        if (events.remove(pending.id()) != null) {
            incarnation++;
        }
    }

    synchronized EventsDocument document(String vmName) {
        List<ScheduledEvent> mine = events.values().stream().map(p -> p.event)
                .filter(e -> e.resources().contains(vmName)).toList();
        return new EventsDocument(incarnation, mine);
    }

    /** Learn: an approval lets the event proceed for all its Resources, whichever VM sent it. */
    synchronized boolean approve(String vmName, String eventId) {
        Pending pending = events.get(eventId);
        if (pending == null || !pending.event.resources().contains(vmName)) {
            return false;
        }
        pending.approved.complete(null);
        history.computeIfPresent(eventId, (id, record) -> record.approved(vmName, clock.instant()));
        return true;
    }

    synchronized List<EventRecord> history() {
        return List.copyOf(history.values());
    }

    synchronized List<ScheduledEvent> all() {
        return events.values().stream().map(p -> p.event).toList();
    }

    Instant now() {
        return clock.instant();
    }
}
