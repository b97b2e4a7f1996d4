package io.harbormaster.audit;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What an audit event records; its wire name is what the trail stores and {@code GET /api/events} answers. */
public enum AuditKind {
    /** The capacity check raised the scale set's capacity. */
    SCALE_OUT,
    /** The capacity check asked for an idle node's drain, its instance to be deleted once drained. */
    SCALE_IN,
    /** The capacity check gave a node under a drain back to service. */
    NODE_REACTIVATED,
    /** A node was removed from the swarm (down for too long, or its drain over). */
    NODE_REMOVED,
    /** An instance was deleted (by the capacity check, or by a drain that asked for it). */
    INSTANCE_DELETED,
    /** The capacity check set its pool's labels on a node of the pool's instance. */
    NODE_LABELLED,
    /** An instance was deallocated and kept warm (a scale-in in deallocate mode), or warm ones were started. */
    INSTANCE_POWER,
    /** The capacity check moved on a drain whose messages had stopped. */
    DRAIN_RESUMED,
    /** A drain changed state (requested, draining, drained, removed, timed-out, failed, ...). */
    DRAIN_STATE,
    /** The scale set and the swarm disagreed too much to trust: destructive actions were withheld. */
    GUARD_TRIPPED,
    /** Something else a capacity check decided: an operation that ended badly, capacity raised from outside. */
    CAPACITY_DECISION,
    /** A capacity check failed as a whole. */
    CAPACITY_CHECK_FAILED,
    /** The operator paused or resumed automatic actions. */
    CAPACITY_PAUSE,
    /**
     * A rebalance step: a service scaled up by one so that a task lands on a light node (start), back by one from its
     * most crowded node (finish, or undo when the extra task never ran), or its move record dropped for a user's change.
     */
    REBALANCE_MOVE,
    /** The swarm's join tokens were rotated. */
    JOIN_TOKENS_ROTATED,
    /** A node call was refused: no proof, a forged or replayed one, or a right the caller does not have. */
    CALLER_REFUSED,
    /** The rolling upgrade started, paused, resumed or ended, or one of its instances moved to another phase. */
    UPGRADE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Optional<AuditKind> fromWireName(String wire) {
        return Arrays.stream(values()).filter(kind -> kind.wireName().equals(wire)).findFirst();
    }
}
