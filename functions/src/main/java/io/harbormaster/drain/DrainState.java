package io.harbormaster.drain;

import java.util.Locale;

/** Where a drain stands, as {@code GET /api/drain/{node}} reports it. */
public enum DrainState {
    /**
     * Accepted and queued; the request has set the node to drain (unless it runs replicas of a surge service), and the
     * worker has not looked at it yet.
     */
    REQUESTED,
    /** The node is set to drain and tasks are still on it, or their replacements are not running yet. */
    DRAINING,
    /** Every task of the node runs elsewhere; the node waits to go down before it is removed. */
    DRAINED,
    /** The node is gone from the swarm (and its instance deleted, when asked). */
    REMOVED,
    /** A shutdown or terminate drain passed its deadline with tasks still on the node; removal goes ahead once it is down. */
    TIMED_OUT,
    /** Given up; {@code failure} says why. */
    FAILED,
    /**
     * Called off, because the capacity is needed after all or (terminate-notification) Azure cancelled the Terminate;
     * the node is active again and its VM kept.
     */
    CANCELLED,
    /**
     * A scale-in or manual drain passed its deadline with tasks still on the node; the node is given back to service
     * and its instance kept. Unfinished only while the node is being set active again.
     */
    REACTIVATED,
    /**
     * A shutdown, terminate or preempt drain whose replacements swarm could place nowhere while no room can come (the
     * scale set at its maximum, no agent on the way): the VM goes anyway, so the wait ends now instead of at the
     * deadline, with the node's tasks already down; {@code stranded} says why. The node is removed once it is down, and
     * the state becomes {@code drained} should the replacements run after all.
     */
    STRANDED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
