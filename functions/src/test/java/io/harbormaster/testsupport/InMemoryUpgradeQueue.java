package io.harbormaster.testsupport;

import io.harbormaster.lifecycle.upgrade.UpgradeCodec;
import io.harbormaster.lifecycle.upgrade.UpgradeQueue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** An in-memory {@link UpgradeQueue} that records each message with its delay and hands out the ones that are due. */
public final class InMemoryUpgradeQueue implements UpgradeQueue {
    /** One sent message: its id, as the trigger would pass it, its text and when it becomes visible. */
    public record Sent(String id, String text, Duration delay, Instant visibleAt) {
    }

    private final Clock clock;
    private final List<Sent> waiting = new ArrayList<>();
    private int ids;

    public InMemoryUpgradeQueue(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized void send(UpgradeCodec.Message message, Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("negative delay " + delay);
        }
        waiting.add(new Sent("upgrade-message-" + ++ids, UpgradeCodec.message(message), delay,
                clock.instant().plus(delay)));
    }

    public synchronized List<Sent> waiting() {
        return List.copyOf(waiting);
    }

    /** Takes the message that became visible first, among those visible now; empty when none is due yet. */
    public synchronized Optional<Sent> takeNextDue() {
        Instant now = clock.instant();
        Optional<Sent> next = waiting.stream().filter(message -> !message.visibleAt().isAfter(now))
                .min(Comparator.comparing(Sent::visibleAt));
        next.ifPresent(waiting::remove);
        return next;
    }
}
