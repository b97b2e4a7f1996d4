package io.harbormaster.audit;

import java.util.Comparator;
import java.util.List;

/** One page of events: oldest first, at most a limit, never ending between two events of the same instant. */
public final class AuditPage {
    private AuditPage() {
    }

    /**
     * {@code events} sorted by time and cut to {@code limit}. When the cut would fall inside one instant, the page ends
     * before that instant, so that a reader asking again for events after the page's last one misses none; unless
     * one instant alone holds more than {@code limit}, which is then cut as is.
     */
    public static List<AuditEvent> of(List<AuditEvent> events, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        List<AuditEvent> sorted = events.stream().sorted(Comparator.comparing(AuditEvent::at)).toList();
        if (sorted.size() <= limit) {
            return sorted;
        }
        int end = limit;
        while (end > 0 && sorted.get(end - 1).at().equals(sorted.get(limit).at())) {
            end--;
        }
        return sorted.subList(0, end == 0 ? limit : end);
    }
}
