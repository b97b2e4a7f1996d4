package io.harbormaster.local;

import java.time.Duration;

/** Idle-poll delays that double from a minimum up to a maximum and start over when work is found. */
public final class PollingBackoff {
    private final Duration min;
    private final Duration max;
    private Duration current;

    public PollingBackoff(Duration min, Duration max) {
        if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("expected 0 < min <= max, got " + min + " and " + max);
        }
        this.min = min;
        this.max = max;
    }

    /** The delay before the next poll after one that found nothing. */
    public synchronized Duration next() {
        current = current == null ? min : current.multipliedBy(2);
        if (current.compareTo(max) > 0) {
            current = max;
        }
        return current;
    }

    public synchronized void reset() {
        current = null;
    }
}
