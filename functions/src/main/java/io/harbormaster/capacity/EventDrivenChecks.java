package io.harbormaster.capacity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Capacity checks asked for by the swarm's own events (a service created, updated or removed; a node joined, changed or
 * left), so that a scale-out does not wait for the timer. Each event is followed by a check that starts after it, and
 * a burst costs at most one check a {@code window}: a message that is not visible yet covers every event before it
 * becomes visible; past that, the next message is sent at once, or at the end of the window after the last one.
 */
public final class EventDrivenChecks {
    /** The events managers forward, as {@code type:action} of Docker's event stream. */
    public static final Set<String> EVENTS = Set.of("service:create", "service:update", "service:remove",
            "node:create", "node:update", "node:remove");

    /** Where checks are asked for: the capacity check queue. */
    public interface CheckQueue {
        /** Sends one check message, visible after {@code delay}. */
        void send(Duration delay);
    }

    /** What became of a request: a new check message, or one already on its way that starts after these events. */
    public record Outcome(boolean queued, Instant checkAt) {
    }

    private final CheckQueue queue;
    private final Duration window;
    private final Clock clock;
    private Instant scheduled = Instant.EPOCH;

    public EventDrivenChecks(CheckQueue queue, Duration window, Clock clock) {
        this.queue = queue;
        this.window = window;
        this.clock = clock;
    }

    /** Whether {@code event} is one of {@link #EVENTS}. */
    public static boolean known(String event) {
        return EVENTS.contains(event);
    }

    /**
     * A check for these events.
     *
     * @throws IllegalArgumentException for an empty list or an event that is not one of {@link #EVENTS}
     */
    public synchronized Outcome requested(List<String> events) {
        if (events.isEmpty() || !events.stream().allMatch(EventDrivenChecks::known)) {
            throw new IllegalArgumentException("events are one or more of " + EVENTS.stream().sorted().toList());
        }
        Instant now = clock.instant();
        if (scheduled.isAfter(now)) {
            return new Outcome(false, scheduled);
        }
        Instant at = later(now, scheduled.plus(window));
        // Sent before it is recorded: a failed send leaves the next event free to try again.
        queue.send(Duration.between(now, at));
        scheduled = at;
        return new Outcome(true, at);
    }

    /**
     * A check {@code delay} from now, asked for by a check whose step is not over (a rebalance move under way): sent
     * unless a message already on its way starts by then. Returns when the next check starts.
     */
    public synchronized Instant followUp(Duration delay) {
        Instant now = clock.instant();
        Instant at = now.plus(delay);
        if (scheduled.isAfter(now) && !scheduled.isAfter(at)) {
            return scheduled;
        }
        queue.send(delay);
        scheduled = later(scheduled, at);
        return at;
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
