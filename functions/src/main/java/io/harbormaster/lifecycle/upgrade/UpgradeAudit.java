package io.harbormaster.lifecycle.upgrade;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import io.harbormaster.audit.AuditTrail;
import java.time.Instant;

/** The audit trail's view of the upgrade: each change of its state, and each instance's change of phase. */
final class UpgradeAudit {
    private UpgradeAudit() {
    }

    static void record(AuditTrail audit, UpgradeStatus before, UpgradeStatus after, Instant now) {
        if (before == null || before.state() != after.state()) {
            String why = after.state() == UpgradeStatus.State.PAUSED ? after.pausedBecause()
                    : after.state() == UpgradeStatus.State.DONE ? "every instance is up to date"
                    : before == null ? "started by " + after.startedBy() : "resumed";
            audit.record(AuditEvent.of(now, AuditKind.UPGRADE, "upgrade " + after.upgradeId(), why,
                    "upgradeId", after.upgradeId(), "from", before == null ? null : before.state().wireName(),
                    "to", after.state().wireName(), "pools", String.join(",", after.pools().stream()
                            .map(UpgradeStatus.PoolTarget::name).toList()),
                    "total", Integer.toString(after.entries().size()),
                    "done", Long.toString(after.count(UpgradePhase.DONE))));
        }
        if (before == null) {
            return;
        }
        for (UpgradeEntry entry : after.entries()) {
            UpgradeEntry old = before.entries().stream()
                    .filter(candidate -> candidate.instanceId().equals(entry.instanceId())).findFirst().orElse(null);
            if (old != null && old.phase() != entry.phase()) {
                audit.record(AuditEvent.of(now, AuditKind.UPGRADE, entry.computerName() != null ? entry.computerName()
                        : "instance " + entry.instanceId(),
                        entry.phase() == UpgradePhase.DONE && entry.outcome() != null ? entry.outcome() : entry.method(),
                        "upgradeId", after.upgradeId(), "pool", entry.pool(), "instanceId", entry.instanceId(),
                        "from", old.phase().wireName(),
                        "to", entry.phase().wireName(), "drainRequestId", entry.drainRequestId(),
                        "replacementId", entry.replacementId()));
            }
        }
    }
}
