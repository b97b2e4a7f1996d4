package io.harbormaster.lifecycle.upgrade;

import java.time.Duration;

/** What the upgrade worker does next, as the pure decision returns it. */
public sealed interface UpgradeAction {
    /** Nothing to do now; look again after {@code delay}. */
    record Wait(Duration delay) implements UpgradeAction {
    }

    /** Raise the capacity to {@code capacity} for a replacement (a surge), at the scale set's ETag. */
    record SetCapacity(long capacity, String etag) implements UpgradeAction {
    }

    /** Drain the instance's node; deleteInstance for the old instance of a surge. */
    record SubmitDrain(String instanceId, String hostname, boolean deleteInstance) implements UpgradeAction {
    }

    /** Send manualUpgrade or reimage for the instance. */
    record Upgrade(String instanceId, String method) implements UpgradeAction {
    }

    /** Make the upgraded instance's node, back under its old id, active again: it is drained from before its upgrade. */
    record Reactivate(String instanceId, String nodeId) implements UpgradeAction {
    }

    /** The upgrade is paused (the status says why) or done: no follow-up. */
    record Stop() implements UpgradeAction {
    }
}
