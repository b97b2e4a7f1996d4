package io.harbormaster.lifecycle.upgrade;

import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rolling upgrade's decision, pure: from the stored status and what a pass read, the next status and the one action
 * to take. Active instances move first, in their order; pending ones start while fewer than the batch size are active.
 * Each instance: surge a replacement when the scale set is below its maximum (then drain and delete the old one once the
 * replacement's node is Ready), otherwise drain its node, upgrade it, and wait until its node rejoins and is Ready:
 * a new node of its name, or its old node back (a restart on the old disk), which is made active again. A Flexible
 * pool's VM is never upgraded in place: it is replaced (see {@link FlexibleReplacement}). Pools go one after another:
 * only the entries of the snapshot's pool move, and the upgrade is done once every pool's are.
 */
public final class UpgradeProgress {
    private UpgradeProgress() {
    }

    /** The status to record and the action to take after recording it. */
    public record Decision(UpgradeStatus status, UpgradeAction action) {
    }

    /**
     * @param batchSize     how many instances may be under way at once
     * @param rejoinTimeout how long a replacement may take to join, and an upgraded node to rejoin, before the upgrade
     *                      pauses
     * @param checkInterval how long to wait before looking again when there is nothing to do
     */
    public record Pacing(int batchSize, Duration rejoinTimeout, Duration checkInterval) {
    }

    public static Decision next(UpgradeStatus status, UpgradeSnapshot snapshot, Pacing pacing, Instant now) {
        if (status.state() != UpgradeStatus.State.RUNNING) {
            return new Decision(status, new UpgradeAction.Stop());
        }
        UpgradeStatus current = status;
        // Pools go one after another: only the snapshot's pool (the one under way) moves.
        // Active entries first: one that needs an action gets it; the others move on as far as they can.
        for (UpgradeEntry entry : status.entries()) {
            if (!entry.phase().active() || !entry.pool().equals(snapshot.pool())) {
                continue;
            }
            Decision decision = step(current, entry, snapshot, pacing, now);
            current = decision.status();
            if (!(decision.action() instanceof UpgradeAction.Wait)) {
                return decision;
            }
        }
        long active = current.entries().stream().filter(entry -> entry.phase().active()).count();
        // Zones one at a time: while instances of one zone are under way, no other zone's start.
        Optional<String> zoneUnderWay = current.entries().stream().filter(entry -> entry.phase().active()).findFirst()
                .map(entry -> zone(entry, snapshot));
        for (UpgradeEntry entry : current.entries()) {
            if (entry.phase() != UpgradePhase.PENDING || active >= pacing.batchSize()
                    || !entry.pool().equals(snapshot.pool())) {
                continue;
            }
            if (zoneUnderWay.isPresent() && !zoneUnderWay.get().equals(zone(entry, snapshot))) {
                continue;
            }
            Decision decision = step(current, entry, snapshot, pacing, now);
            current = decision.status();
            UpgradeEntry after = find(current, entry.instanceId());
            if (after.phase().active()) {
                active++;
                zoneUnderWay = Optional.of(zone(entry, snapshot));
            }
            if (!(decision.action() instanceof UpgradeAction.Wait)) {
                return decision;
            }
        }
        if (current.entries().stream().allMatch(entry -> entry.phase() == UpgradePhase.DONE)) {
            return new Decision(current.inState(UpgradeStatus.State.DONE), new UpgradeAction.Stop());
        }
        return new Decision(current, new UpgradeAction.Wait(pacing.checkInterval()));
    }

    /** The instance's availability zone as the snapshot lists it, "" outside zones (or once it is gone). */
    private static String zone(UpgradeEntry entry, UpgradeSnapshot snapshot) {
        return snapshot.instance(entry.instanceId()).map(ScaleSetInstance::zone).orElse("");
    }

    private static Decision step(UpgradeStatus status, UpgradeEntry entry, UpgradeSnapshot snapshot, Pacing pacing,
            Instant now) {
        Optional<ScaleSetInstance> instance = snapshot.instance(entry.instanceId());
        String name = describe(entry);
        switch (entry.phase()) {
            case PENDING: {
                if (instance.isEmpty()) {
                    return waiting(status.withEntry(entry.done("gone before its upgrade", now)), pacing);
                }
                Optional<String> method = snapshot.upgradeMethod(instance.get());
                if (method.isEmpty()) {
                    return waiting(status.withEntry(entry.done("up to date already", now)), pacing);
                }
                Optional<Node> node = snapshot.liveNode(entry.computerName());
                boolean flexible = snapshot.scaleSet().orchestrationMode() == ScaleSetModel.OrchestrationMode.FLEXIBLE;
                UpgradeEntry started = new UpgradeEntry(entry.instanceId(), entry.computerName(),
                        flexible ? UpgradeEntry.REPLACE : method.get(),
                        entry.phase(), entry.phaseSince(), node.map(Node::id).orElse(null), 0, Set.of(), null, null,
                        null, null, false, entry.pool());
                long capacity = snapshot.scaleSet().capacity();
                if (node.isPresent() && capacity < snapshot.maxAgents()) {
                    Set<String> before = new TreeSet<>();
                    snapshot.instances().forEach(listed -> before.add(listed.instanceId()));
                    UpgradeEntry surge = started.withSurge(capacity + 1, before).in(UpgradePhase.SURGE_REQUESTED, now);
                    return new Decision(status.withEntry(surge),
                            new UpgradeAction.SetCapacity(capacity + 1, snapshot.scaleSet().etag()));
                }
                if (flexible) {
                    return FlexibleReplacement.drainFirst(status, started, node, now);
                }
                if (node.isPresent()) {
                    return drain(status, started.in(UpgradePhase.DRAIN_REQUESTED, now), false);
                }
                // No node to drain (it never joined, or is down): nothing runs there.
                return upgrade(status, started.in(UpgradePhase.UPGRADE_REQUESTED, now));
            }
            case SURGE_REQUESTED:
                return awaitReplacement(status, entry, snapshot, pacing, now, UpgradePhase.SURGING);
            case REFILL_REQUESTED:
                return awaitReplacement(status, entry, snapshot, pacing, now, UpgradePhase.REFILLING);
            case REFILLING:
                return FlexibleReplacement.refilling(status, entry, snapshot, pacing, now);
            case SURGING: {
                if (snapshot.instance(entry.replacementId()).isEmpty()) {
                    return pause(status, "the replacement instance " + entry.replacementId() + " of " + name
                            + " is gone before its node joined");
                }
                Optional<Node> ready = snapshot.rejoined(entry.replacementName(), null);
                if (ready.isPresent()) {
                    return drain(status, entry.in(UpgradePhase.DRAIN_REQUESTED, now), true);
                }
                return timedOut(status, entry, now, pacing, "the replacement instance " + entry.replacementId() + " ("
                        + entry.replacementName() + ") of " + name + " did not join the swarm");
            }
            case DRAIN_REQUESTED:
                return drain(status, entry, entry.surged() || entry.replaced());
            case DRAINING: {
                Optional<DrainStatus> drain = snapshot.drain(entry.drainRequestId());
                if (entry.surged() || entry.replaced()) {
                    if (instance.isEmpty() && !entry.surged()) {
                        return FlexibleReplacement.refill(status, entry, snapshot, pacing, now);
                    }
                    if (instance.isEmpty()) {
                        return waiting(status.withEntry(entry.done("replaced by instance " + entry.replacementId()
                                + " (" + entry.replacementName() + ")", now)), pacing);
                    }
                    if (drain.isPresent() && drain.get().finished() && !drain.get().instanceDeleted()
                            && drain.get().state() != DrainState.REMOVED) {
                        return pause(status, "the drain " + entry.drainRequestId() + " of " + name + " ended "
                                + ended(drain.get()));
                    }
                    return waiting(status, pacing);
                }
                if (drain.isEmpty()) {
                    return pause(status, "the drain " + entry.drainRequestId() + " of " + name + " is not on record"
                            + snapshot.latestDrainNamed(entry.computerName())
                                    .map(other -> " (superseded by drain " + other.request().requestId() + ", "
                                            + other.request().reason().wireName() + ", of node " + other.request().nodeId()
                                            + ")")
                                    .orElse(" (no drain of its name is stored)"));
                }
                if (drain.get().drainedAt() != null) {
                    return upgrade(status, entry.in(UpgradePhase.UPGRADE_REQUESTED, now));
                }
                if (drain.get().finished()) {
                    return pause(status, "the drain " + entry.drainRequestId() + " of " + name + " ended "
                            + ended(drain.get()) + " before its node was drained");
                }
                return waiting(status, pacing);
            }
            case UPGRADE_REQUESTED:
                return upgrade(status, entry);
            case REJOINING:
            case REACTIVATING: {
                if (!entry.oldNodeWentDown() && entry.oldNodeId() != null
                        && snapshot.sameNodeBack(entry.oldNodeId()).isEmpty()) {
                    // On record: from now on the old node, Ready again, is the VM back on its old disk.
                    UpgradeEntry seen = entry.withOldNodeWentDown();
                    return rejoining(status.withEntry(seen), seen, instance, snapshot, pacing, now);
                }
                return rejoining(status, entry, instance, snapshot, pacing, now);
            }
            default:
                return waiting(status, pacing);
        }
    }

    /**
     * Upgraded and waiting: done once a new node of its name is Ready and active, or its old node is back (a restart
     * on its old disk), which is first made active again when the upgrade's drain left it drained.
     */
    private static Decision rejoining(UpgradeStatus status, UpgradeEntry entry, Optional<ScaleSetInstance> instance,
            UpgradeSnapshot snapshot, Pacing pacing, Instant now) {
        String name = describe(entry);
        Optional<Node> back = snapshot.rejoined(entry.computerName(), entry.oldNodeId());
        boolean current = instance.isPresent() && snapshot.upgradeMethod(instance.get()).isEmpty();
        // The old node counts only once a pass saw it down or gone after the upgrade (a Ready record until
        // then may be the VM before its restart, or one whose new disk never booted, not yet seen down by
        // swarm), and once ARM's operation is over and the VM runs.
        boolean restarted = entry.oldNodeWentDown() && instance.isPresent()
                && instance.get().powerState() == ScaleSetInstance.PowerState.RUNNING
                && "Succeeded".equalsIgnoreCase(instance.get().provisioningState());
        Optional<Node> same = current && restarted && back.isEmpty() ? snapshot.sameNodeBack(entry.oldNodeId())
                : Optional.empty();
        boolean drainedByUs = same.isPresent() && entry.drainRequestId() != null
                && entry.drainRequestId().equals(same.get().labels().get(DrainProgress.REQUEST_LABEL));
        if (same.isPresent() && same.get().availability() != Node.Availability.ACTIVE && drainedByUs) {
            // Restarted on its old disk under its old node id (a new size alone): still drained from before
            // its upgrade, so it is made active again, the intent on record first.
            UpgradeEntry reactivating = entry.phase() == UpgradePhase.REACTIVATING ? entry
                    : entry.in(UpgradePhase.REACTIVATING, now);
            return new Decision(status.withEntry(reactivating),
                    new UpgradeAction.Reactivate(entry.instanceId(), same.get().id()));
        }
        Optional<Node> ready = back.isPresent() ? back
                : same.filter(node -> node.availability() == Node.Availability.ACTIVE);
        if (ready.isPresent() && current && !snapshot.sharesNotBack().contains(ready.get().id())) {
            return waiting(status.withEntry(entry.done(UpgradeEntry.UPGRADED + entry.method() + "); node "
                    + ready.get().id() + (ready.get().id().equals(entry.oldNodeId()) ? " is back and" : "")
                    + " is Ready", now)), pacing);
        }
        return timedOut(status, entry, now, pacing, name + " did not rejoin the swarm"
                + (back.isPresent() && !current ? " on the latest model" : "")
                + (same.isPresent() && !drainedByUs ? " (its old node " + same.get().id() + " is back, but"
                + " drained by someone else: make it active, or drain it by hand)" : ""));
    }

    /** Capacity raised for a replacement: the new instance is the one not listed before; then {@code next}. */
    private static Decision awaitReplacement(UpgradeStatus status, UpgradeEntry entry, UpgradeSnapshot snapshot,
            Pacing pacing, Instant now, UpgradePhase next) {
        Optional<ScaleSetInstance> replacement = snapshot.instances().stream()
                .filter(listed -> !entry.instancesBefore().contains(listed.instanceId()))
                .findFirst();
        if (replacement.isPresent()) {
            return waiting(status.withEntry(entry.withReplacement(replacement.get().instanceId(),
                    replacement.get().computerName()).in(next, now)), pacing);
        }
        if (snapshot.scaleSet().capacity() < entry.surgeTarget()) {
            return new Decision(status, new UpgradeAction.SetCapacity(entry.surgeTarget(), snapshot.scaleSet().etag()));
        }
        return timedOut(status, entry, now, pacing, "no replacement instance appeared for " + describe(entry));
    }

    static Decision drain(UpgradeStatus status, UpgradeEntry entry, boolean deleteInstance) {
        return new Decision(status.withEntry(entry),
                new UpgradeAction.SubmitDrain(entry.instanceId(), entry.computerName(), deleteInstance));
    }

    private static Decision upgrade(UpgradeStatus status, UpgradeEntry entry) {
        return new Decision(status.withEntry(entry), new UpgradeAction.Upgrade(entry.instanceId(), entry.method()));
    }

    static Decision waiting(UpgradeStatus status, Pacing pacing) {
        return new Decision(status, new UpgradeAction.Wait(pacing.checkInterval()));
    }

    static Decision pause(UpgradeStatus status, String why) {
        return new Decision(status.paused(why), new UpgradeAction.Stop());
    }

    /** Waits until the phase's timeout, then pauses saying what did not happen in time. */
    static Decision timedOut(UpgradeStatus status, UpgradeEntry entry, Instant now, Pacing pacing, String what) {
        Instant since = entry.phaseSince() != null ? entry.phaseSince() : now;
        if (now.isBefore(since.plus(pacing.rejoinTimeout()))) {
            return waiting(status, pacing);
        }
        return pause(status, what + " within " + pacing.rejoinTimeout().toSeconds()
                + " s (HARBORMASTER_UPGRADE_REJOIN_TIMEOUT); fix the host, then resume with POST /api/upgrade"
                + " {\"action\":\"resume\"}");
    }

    private static String ended(DrainStatus drain) {
        return drain.state().wireName() + (drain.failure() != null ? ": " + drain.failure() : "");
    }

    static String describe(UpgradeEntry entry) {
        return "instance " + entry.instanceId() + " (" + entry.computerName() + ")";
    }

    static UpgradeEntry find(UpgradeStatus status, String instanceId) {
        return status.entries().stream().filter(entry -> entry.instanceId().equals(instanceId)).findFirst()
                .orElseThrow();
    }
}
