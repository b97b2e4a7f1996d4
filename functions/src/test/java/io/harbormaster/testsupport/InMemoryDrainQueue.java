package io.harbormaster.testsupport;

import io.harbormaster.drain.DrainCodec;
import io.harbormaster.drain.DrainMessage;
import io.harbormaster.drain.DrainQueue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** An in-memory {@link DrainQueue} that records each message with its delay and hands out the ones that are due. */
public final class InMemoryDrainQueue implements DrainQueue {
    /** Storage queues refuse a visibility timeout beyond seven days. */
    private static final Duration LONGEST_DELAY = Duration.ofDays(7);

    /** One sent message: its id, as the trigger would pass it, the delay asked for, and when it becomes visible. */
    public record Sent(String id, DrainMessage message, Duration delay, Instant visibleAt) {
        /** The text the queue trigger hands the worker. */
        public String text() {
            return DrainCodec.message(message);
        }
    }

    private final Clock clock;
    private final List<Sent> sent = new ArrayList<>();
    private final List<Sent> waiting = new ArrayList<>();
    private int ids;

    public InMemoryDrainQueue(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized void send(DrainMessage message, Duration delay) {
        if (delay.isNegative() || delay.compareTo(LONGEST_DELAY) > 0) {
            throw new IllegalArgumentException("visibility delay must be from 0 to 7 days: " + delay);
        }
        // Storage queues count visibility in whole seconds; the adapter rounds up, so a message never comes early.
        Duration visibility = Duration.ofSeconds(delay.toSeconds() + (delay.toNanosPart() > 0 ? 1 : 0));
        Sent entry = new Sent("message-" + ++ids, message, delay, clock.instant().plus(visibility));
        sent.add(entry);
        waiting.add(entry);
    }

    /** Every message ever sent, oldest first, taken or not. */
    public synchronized List<Sent> sent() {
        return List.copyOf(sent);
    }

    /** The messages not taken yet, visible or not. */
    public synchronized List<Sent> waiting() {
        return List.copyOf(waiting);
    }

    /** Takes the message that became visible first, among those visible now; empty when none is due yet. */
    public synchronized Optional<Sent> takeNextDue() {
        Instant now = clock.instant();
        Optional<Sent> next = waiting.stream()
                .filter(message -> !message.visibleAt().isAfter(now))
                .min(Comparator.comparing(Sent::visibleAt));
        next.ifPresent(waiting::remove);
        return next;
    }
}
