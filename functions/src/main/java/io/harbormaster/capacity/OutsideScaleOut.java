package io.harbormaster.capacity;

import java.time.Instant;

/**
 * Capacity raised by someone else (Azure autoscale, a person in the portal) is a scale-out too: its new agents join
 * empty, and without the scale-in delay they would be scaled in again after the unneeded time.
 */
final class OutsideScaleOut {
    private OutsideScaleOut() {
    }

    /**
     * The scale-out that explains a capacity above the last check's reading when no scale-out of ours does, dated
     * {@code now} (the first check to see it), or null when the capacity did not rise or our own scale-out raised it.
     */
    static CapacityHistory.ScaleOutRecord detect(CapacityHistory history, long capacity, Instant now) {
        CapacityHistory.Reading last = history.lastReading();
        if (last == null || capacity <= last.capacity()) {
            return null;
        }
        CapacityHistory.ScaleOutRecord ours = history.lastScaleOut();
        // Ours is recorded by the check that read the capacity before it: same time as that reading, or later.
        if (ours != null && !ours.at().isBefore(last.at()) && ours.toCapacity() >= capacity) {
            return null;
        }
        return new CapacityHistory.ScaleOutRecord(now, last.capacity(), capacity);
    }
}
