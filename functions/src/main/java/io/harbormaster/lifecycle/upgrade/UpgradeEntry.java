package io.harbormaster.lifecycle.upgrade;

import io.harbormaster.capacity.Pool;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One instance of a rolling upgrade.
 *
 * @param method          how it is brought up to date: {@code manualUpgrade} (the model changed) or {@code reimage} (a
 *                        newer image under a model that says latest); {@code replace} once a pass started it in a
 *                        Flexible pool
 * @param phaseSince      when it entered its phase: the rejoin timeout counts from it
 * @param oldNodeId       the swarm node it had when its upgrade started, or null when it had none
 * @param surgeTarget     the capacity a surge asked for, or 0
 * @param instancesBefore the instance ids there were before the surge: the replacement is the one not among them
 * @param replacementId   the surged replacement's instance id, or null
 * @param replacementName its computer name, or null
 * @param drainRequestId  the drain of its node, or null
 * @param outcome         how it ended, for the status: upgraded, replaced, up to date already, gone
 * @param oldNodeWentDown whether a pass saw its old node down or gone after the upgrade was sent: only then is that
 *                        node, Ready again, the VM restarted on its old disk rather than its stale record
 * @param pool            the pool whose scale set holds the instance; {@code instanceId} is as {@link UpgradePool}
 *                        records it (bare in the first pool, {@code gpu:3} in another)
 */
public record UpgradeEntry(
        String instanceId,
        String computerName,
        String method,
        UpgradePhase phase,
        Instant phaseSince,
        String oldNodeId,
        long surgeTarget,
        Set<String> instancesBefore,
        String replacementId,
        String replacementName,
        String drainRequestId,
        String outcome,
        boolean oldNodeWentDown,
        String pool) {

    public static final String MANUAL_UPGRADE = "manualUpgrade";
    public static final String REIMAGE = "reimage";
    /** How a done entry's outcome starts when its upgrade was sent and its node came back. */
    static final String UPGRADED = "upgraded (";
    /** A Flexible pool's VM: replaced by a new VM of the current model, as Flexible has no manualUpgrade. */
    public static final String REPLACE = "replace";

    public UpgradeEntry {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(pool, "pool");
        instancesBefore = instancesBefore == null ? Set.of() : Set.copyOf(instancesBefore);
    }

    /** Not started, in the single scale set's pool. */
    public static UpgradeEntry pending(String instanceId, String computerName, String method) {
        return pending(Pool.DEFAULT_NAME, instanceId, computerName, method);
    }

    /** Not started, in {@code pool}. */
    public static UpgradeEntry pending(String pool, String instanceId, String computerName, String method) {
        return new UpgradeEntry(instanceId, computerName, method, UpgradePhase.PENDING, null, null, 0, Set.of(), null,
                null, null, null, false, pool);
    }

    UpgradeEntry in(UpgradePhase next, Instant now) {
        return new UpgradeEntry(instanceId, computerName, method, next, now, oldNodeId, surgeTarget, instancesBefore,
                replacementId, replacementName, drainRequestId, outcome, oldNodeWentDown, pool);
    }

    UpgradeEntry withOldNode(String nodeId) {
        return new UpgradeEntry(instanceId, computerName, method, phase, phaseSince, nodeId, surgeTarget, instancesBefore,
                replacementId, replacementName, drainRequestId, outcome, oldNodeWentDown, pool);
    }

    UpgradeEntry withSurge(long target, Set<String> before) {
        return new UpgradeEntry(instanceId, computerName, method, phase, phaseSince, oldNodeId, target, before,
                replacementId, replacementName, drainRequestId, outcome, oldNodeWentDown, pool);
    }

    UpgradeEntry withReplacement(String id, String name) {
        return new UpgradeEntry(instanceId, computerName, method, phase, phaseSince, oldNodeId, surgeTarget,
                instancesBefore, id, name, drainRequestId, outcome, oldNodeWentDown, pool);
    }

    UpgradeEntry withDrain(String requestId) {
        return new UpgradeEntry(instanceId, computerName, method, phase, phaseSince, oldNodeId, surgeTarget,
                instancesBefore, replacementId, replacementName, requestId, outcome, oldNodeWentDown, pool);
    }

    UpgradeEntry done(String how, Instant now) {
        return new UpgradeEntry(instanceId, computerName, method, UpgradePhase.DONE, now, oldNodeId, surgeTarget,
                instancesBefore, replacementId, replacementName, drainRequestId, how, oldNodeWentDown, pool);
    }

    /** The same entry, its old node seen down or gone since the upgrade was sent. */
    UpgradeEntry withOldNodeWentDown() {
        return new UpgradeEntry(instanceId, computerName, method, phase, phaseSince, oldNodeId, surgeTarget,
                instancesBefore, replacementId, replacementName, drainRequestId, outcome, true, pool);
    }

    /** Surged: its old instance is drained and deleted rather than upgraded. */
    public boolean surged() {
        return surgeTarget > 0;
    }

    /** Replaced rather than upgraded (a Flexible VM): its old instance is drained and deleted, surged or not. */
    public boolean replaced() {
        return REPLACE.equals(method);
    }

    /** The same entry, to be brought up to date by {@code how}. */
    UpgradeEntry withMethod(String how) {
        return new UpgradeEntry(instanceId, computerName, how, phase, phaseSince, oldNodeId, surgeTarget, instancesBefore,
                replacementId, replacementName, drainRequestId, outcome, oldNodeWentDown, pool);
    }
}
