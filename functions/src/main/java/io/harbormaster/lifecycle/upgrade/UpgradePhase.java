package io.harbormaster.lifecycle.upgrade;

import java.util.Locale;

/** Where one instance's upgrade stands; the wire name is what the status shows and the blob stores. */
public enum UpgradePhase {
    /** Not started. */
    PENDING,
    /** The capacity is being raised by one for a replacement (intent on record before the write). */
    SURGE_REQUESTED,
    /** The replacement instance exists; waiting until its node is Ready. */
    SURGING,
    /** A drain of the instance's node is about to be submitted (intent on record). */
    DRAIN_REQUESTED,
    /** The node's drain is under way. */
    DRAINING,
    /** manualUpgrade or reimage is about to be sent (intent on record). */
    UPGRADE_REQUESTED,
    /** Upgraded; waiting until its node rejoins and is Ready. */
    REJOINING,
    /**
     * The VM came back under its old node id, still drained (a restart on its old disk, as for a new size alone): the
     * node is being made active again (intent on record before the write).
     */
    REACTIVATING,
    /**
     * A Flexible VM drained and deleted first, as the pool had no room to surge: the capacity is being raised by one
     * for its replacement (intent on record before the write).
     */
    REFILL_REQUESTED,
    /** That replacement exists; waiting until its node is Ready. */
    REFILLING,
    /** Upgraded and back, or replaced; or found up to date or gone. */
    DONE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static UpgradePhase parse(String wire) {
        return valueOf(wire.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /** Started and not done: it counts against the batch size. */
    public boolean active() {
        return this != PENDING && this != DONE;
    }
}
