package io.harbormaster.lifecycle.upgrade;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rolling upgrade's steps for a Flexible pool's VM where the pool has no room to surge, pure: Flexible has no
 * manualUpgrade and reimages only ephemeral OS disks (Learn, "Orchestration modes API comparison"), so the VM is
 * replaced. Below the maximum {@link UpgradeProgress} surges as for Uniform; at it, the old VM's node is drained with
 * delete first (the batch delete lowers the capacity by one), then the capacity is raised by one again, and the new
 * VM, built from the current model, is waited for until its node is Ready.
 */
final class FlexibleReplacement {
    private FlexibleReplacement() {
    }

    /** No room to surge: drain the old VM's node, deleting the VM; without a node there is nothing to drain through. */
    static UpgradeProgress.Decision drainFirst(UpgradeStatus status, UpgradeEntry started, Optional<Node> node,
            Instant now) {
        if (node.isEmpty()) {
            return UpgradeProgress.pause(status.withEntry(started), UpgradeProgress.describe(started) + " of a Flexible"
                    + " pool has no live swarm node, and its replacement goes through that node's drain: delete the VM"
                    + " (the capacity check replaces it) or let it join, then resume with POST /api/upgrade"
                    + " {\"action\":\"resume\"}");
        }
        return UpgradeProgress.drain(status, started.in(UpgradePhase.DRAIN_REQUESTED, now), true);
    }

    /**
     * The old VM is gone (drained and deleted): the capacity goes up by one for its replacement, the instances listed
     * now on record so the new one is the one not among them. At the maximum already (someone scaled out meanwhile)
     * there is no room and none is added.
     */
    static UpgradeProgress.Decision refill(UpgradeStatus status, UpgradeEntry entry, UpgradeSnapshot snapshot,
            UpgradeProgress.Pacing pacing, Instant now) {
        long capacity = snapshot.scaleSet().capacity();
        if (capacity >= snapshot.maxAgents()) {
            // Someone raised the capacity meanwhile: the capacity check brings a pool below its minimum back up at
            // once after the delete (FlexibleUpgradeIT). A VM made since the drain began is built from the current
            // model: it is the replacement to wait for, before the next VM goes.
            Optional<ScaleSetInstance> madeSince = entry.phaseSince() == null ? Optional.empty()
                    : snapshot.instances().stream()
                            .filter(listed -> listed.createdAt() != null && !listed.createdAt().isBefore(entry.phaseSince()))
                            .max(Comparator.comparing(ScaleSetInstance::createdAt));
            if (madeSince.isPresent()) {
                return UpgradeProgress.waiting(status.withEntry(entry.withReplacement(madeSince.get().instanceId(),
                        madeSince.get().computerName()).in(UpgradePhase.REFILLING, now)), pacing);
            }
            return UpgradeProgress.waiting(status.withEntry(entry.done("drained and deleted; the pool is at its maximum"
                    + " without a replacement", now)), pacing);
        }
        Set<String> before = new TreeSet<>();
        snapshot.instances().forEach(listed -> before.add(listed.instanceId()));
        UpgradeEntry refill = entry.withSurge(capacity + 1, before).in(UpgradePhase.REFILL_REQUESTED, now);
        return new UpgradeProgress.Decision(status.withEntry(refill),
                new UpgradeAction.SetCapacity(capacity + 1, snapshot.scaleSet().etag()));
    }

    /** The replacement exists: done once its node is Ready; paused when it is gone or does not join in time. */
    static UpgradeProgress.Decision refilling(UpgradeStatus status, UpgradeEntry entry, UpgradeSnapshot snapshot,
            UpgradeProgress.Pacing pacing, Instant now) {
        Optional<ScaleSetInstance> replacement = snapshot.instance(entry.replacementId());
        String what = "the replacement instance " + entry.replacementId() + " (" + entry.replacementName() + ") of "
                + UpgradeProgress.describe(entry);
        if (replacement.isEmpty()) {
            return UpgradeProgress.pause(status, what + " is gone before its node joined");
        }
        if (snapshot.rejoined(entry.replacementName(), null).isPresent()) {
            return UpgradeProgress.waiting(status.withEntry(entry.done("drained, deleted and replaced by instance "
                    + entry.replacementId() + " (" + entry.replacementName() + ")", now)), pacing);
        }
        return UpgradeProgress.timedOut(status, entry, now, pacing, what + " did not join the swarm");
    }
}
