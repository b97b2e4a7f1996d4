package io.harbormaster.capacity;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The audit trail's view of one capacity check, a pure function: each action with its outcome (started, done,
 * failed, dry-run), a tripped guard, and the check's other decisions (an operation that ended badly, capacity raised
 * from outside). Actions held back (paused, an operation still under way) are not events: a paused cluster would
 * repeat them every check.
 */
final class CapacityAudit {
    private CapacityAudit() {
    }

    static List<AuditEvent> events(CapacityPlan plan, List<CapacityAction> done, Map<CapacityAction, String> failed,
            List<CapacityHistory.Decision> ended, Instant now) {
        List<AuditEvent> events = new ArrayList<>();
        Set<String> actionSummaries = new HashSet<>();
        plan.actions().forEach(action -> actionSummaries.add(action.summary()));
        if (plan.dryRun()) {
            plan.actions().forEach(action -> events.add(event(action, "dry-run", null, now)));
        }
        done.forEach(action -> events.add(event(action, startsAnOperation(action) ? "started" : "done", null, now)));
        failed.forEach((action, error) -> events.add(event(action, "failed", error, now)));
        for (CapacityHistory.Decision decision : plan.history().recentDecisions()) {
            if (decision.at().equals(now) && !actionSummaries.contains(decision.action())) {
                AuditKind kind = decision.action().equals("guard tripped") ? AuditKind.GUARD_TRIPPED : AuditKind.CAPACITY_DECISION;
                events.add(AuditEvent.of(now, kind, "capacity", decision.reason(), "decision", decision.action(),
                        "dryRun", decision.dryRun() ? "true" : null));
            }
        }
        ended.forEach(decision -> events.add(AuditEvent.of(now, AuditKind.CAPACITY_DECISION, "capacity", decision.reason(),
                "decision", decision.action())));
        return events;
    }

    /** A scale-out, an instance deletion and a start of warm instances start an ARM operation the check does not wait for. */
    private static boolean startsAnOperation(CapacityAction action) {
        return action instanceof CapacityAction.ScaleOut || action instanceof CapacityAction.DeleteInstance
                || action instanceof CapacityAction.StartInstances;
    }

    private static AuditEvent event(CapacityAction action, String outcome, String error, Instant now) {
        if (action instanceof CapacityAction.ScaleOut out) {
            return AuditEvent.of(now, AuditKind.SCALE_OUT, "scale set", out.reason(), "outcome", outcome, "error", error,
                    "fromCapacity", Long.toString(out.fromCapacity()), "toCapacity", Long.toString(out.toCapacity()));
        }
        if (action instanceof CapacityAction.RequestDrain drain) {
            return AuditEvent.of(now, AuditKind.SCALE_IN, drain.hostname(), drain.reason(), "outcome", outcome,
                    "error", error, "nodeId", drain.nodeId(), "instanceId", drain.instanceId());
        }
        if (action instanceof CapacityAction.ReactivateNode reactivate) {
            return AuditEvent.of(now, AuditKind.NODE_REACTIVATED, reactivate.node().hostname(), reactivate.reason(),
                    "outcome", outcome, "error", error, "nodeId", reactivate.node().id(),
                    "requestId", reactivate.drainRequestId());
        }
        if (action instanceof CapacityAction.RemoveDownNode remove) {
            return AuditEvent.of(now, AuditKind.NODE_REMOVED, remove.hostname(), remove.reason(), "outcome", outcome,
                    "error", error, "nodeId", remove.nodeId());
        }
        if (action instanceof CapacityAction.DeleteInstance delete) {
            return AuditEvent.of(now, AuditKind.INSTANCE_DELETED, delete.computerName(), delete.reason(),
                    "outcome", outcome, "error", error, "instanceId", delete.instanceId());
        }
        if (action instanceof CapacityAction.LabelNode label) {
            return AuditEvent.of(now, AuditKind.NODE_LABELLED, label.node().hostname(), label.reason(), "outcome", outcome,
                    "error", error, "nodeId", label.node().id(), "pool", label.pool());
        }
        if (action instanceof CapacityAction.StartInstances start) {
            return AuditEvent.of(now, AuditKind.INSTANCE_POWER, "scale set", start.reason(), "outcome", outcome,
                    "error", error, "started", String.join(",", start.instanceIds()));
        }
        CapacityAction.ResumeDrain resume = (CapacityAction.ResumeDrain) action;
        return AuditEvent.of(now, AuditKind.DRAIN_RESUMED, resume.hostname(), resume.reason(), "outcome", outcome,
                "error", error, "nodeId", resume.nodeId(), "requestId", resume.requestId());
    }
}
