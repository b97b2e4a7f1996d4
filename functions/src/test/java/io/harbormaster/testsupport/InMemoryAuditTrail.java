package io.harbormaster.testsupport;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import io.harbormaster.audit.AuditPage;
import io.harbormaster.audit.AuditTrail;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The audit trail in memory, for unit tests of the code that records events. */
public final class InMemoryAuditTrail implements AuditTrail {
    private final List<AuditEvent> events = new ArrayList<>();

    @Override
    public synchronized void record(AuditEvent event) {
        events.add(event);
    }

    @Override
    public synchronized List<AuditEvent> since(Instant since, int limit) {
        return AuditPage.of(events.stream().filter(event -> event.at().isAfter(since)).toList(), limit);
    }

    @Override
    public synchronized int prune(Instant before) {
        int size = events.size();
        events.removeIf(event -> event.at().isBefore(before));
        return size - events.size();
    }

    public synchronized List<AuditEvent> all() {
        return List.copyOf(events);
    }

    public synchronized List<AuditEvent> of(AuditKind kind) {
        return events.stream().filter(event -> event.kind() == kind).toList();
    }
}
