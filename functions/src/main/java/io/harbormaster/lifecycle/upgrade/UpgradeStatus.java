package io.harbormaster.lifecycle.upgrade;

import io.harbormaster.capacity.Pool;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A rolling upgrade as stored: its state, each instance's phase, and the step its queue messages must carry (as a
 * drain's), with the message that last claimed it.
 *
 * @param pausedBecause why it is paused (the operator, or a node that did not rejoin), or null
 * @param lastError     the last failure a pass retries after, or null
 * @param pools         the pools it covers, in the order they are upgraded (one after another), each with the newest
 *                      published image version of its model when the start found that model saying {@code latest}
 *                      (instances running an older one are reimaged): read once at the start, so a pass costs ARM no
 *                      image listing
 */
public record UpgradeStatus(
        String upgradeId,
        State state,
        String startedBy,
        Instant startedAt,
        Instant updatedAt,
        String pausedBecause,
        String lastError,
        long step,
        String claimedBy,
        List<UpgradeEntry> entries,
        List<PoolTarget> pools) {

    /**
     * A pool the upgrade covers.
     *
     * @param imageVersion the newest image version under its model's {@code latest} at the start, or null
     */
    public record PoolTarget(String name, String imageVersion) {
        public PoolTarget {
            Objects.requireNonNull(name, "name");
        }
    }

    /** The upgrade as a whole. */
    public enum State {
        RUNNING, PAUSED, DONE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public UpgradeStatus {
        Objects.requireNonNull(upgradeId, "upgradeId");
        Objects.requireNonNull(state, "state");
        entries = List.copyOf(entries);
        pools = List.copyOf(pools);
    }

    /** Started in the single scale set's pool, for model changes only. */
    public static UpgradeStatus started(String upgradeId, String by, Instant now, List<UpgradeEntry> entries) {
        return started(upgradeId, by, now, entries,
                List.of(new PoolTarget(Pool.DEFAULT_NAME, null)));
    }

    /** Started over {@code pools}, whose instances {@code entries} lists pool by pool in the same order. */
    public static UpgradeStatus started(String upgradeId, String by, Instant now, List<UpgradeEntry> entries,
            List<PoolTarget> pools) {
        return new UpgradeStatus(upgradeId, State.RUNNING, by, now, now, null, null, 0, null, entries, pools);
    }

    /**
     * The pool under way: the pool of the first entry not done (entries are upgraded pool after pool), else the last
     * pool.
     */
    public String currentPool() {
        return entries.stream().filter(entry -> entry.phase() != UpgradePhase.DONE).findFirst().map(UpgradeEntry::pool)
                .orElse(pools.isEmpty() ? Pool.DEFAULT_NAME : pools.get(pools.size() - 1).name());
    }

    /** The newest image version under {@code pool}'s {@code latest} model as the start read it, or null. */
    public String imageVersion(String pool) {
        return pools.stream().filter(target -> target.name().equals(pool)).findFirst().map(PoolTarget::imageVersion)
                .orElse(null);
    }

    /** The newest image version of the pool under way, or null. */
    public String imageVersion() {
        return imageVersion(currentPool());
    }

    public boolean finished() {
        return state == State.DONE;
    }

    UpgradeStatus withEntries(List<UpgradeEntry> next) {
        return new UpgradeStatus(upgradeId, state, startedBy, startedAt, updatedAt, pausedBecause, lastError, step,
                claimedBy, next, pools);
    }

    UpgradeStatus withEntry(UpgradeEntry changed) {
        List<UpgradeEntry> next = new ArrayList<>(entries);
        next.replaceAll(entry -> entry.instanceId().equals(changed.instanceId()) ? changed : entry);
        return withEntries(next);
    }

    UpgradeStatus mapEntries(UnaryOperator<UpgradeEntry> change) {
        return withEntries(entries.stream().map(change).toList());
    }

    public UpgradeStatus paused(String why) {
        return new UpgradeStatus(upgradeId, State.PAUSED, startedBy, startedAt, updatedAt, why, lastError, step,
                claimedBy, entries, pools);
    }

    UpgradeStatus inState(State next) {
        return new UpgradeStatus(upgradeId, next, startedBy, startedAt, updatedAt, next == State.PAUSED ? pausedBecause : null,
                lastError, step, claimedBy, entries, pools);
    }

    UpgradeStatus withLastError(String error) {
        return new UpgradeStatus(upgradeId, state, startedBy, startedAt, updatedAt, pausedBecause, error, step, claimedBy,
                entries, pools);
    }

    /** The status as the pass that claimed {@code newStep} with message {@code messageId} records it. */
    public UpgradeStatus claimed(long newStep, String messageId, Instant now) {
        return new UpgradeStatus(upgradeId, state, startedBy, startedAt, now, pausedBecause, lastError, newStep, messageId,
                entries, pools);
    }

    /**
     * Running again after a pause, at the next step (so the paused chain's messages are stale): the timeouts of the
     * instances under way count from now, as the operator has fixed what stopped them.
     */
    public UpgradeStatus resumed(Instant now) {
        return new UpgradeStatus(upgradeId, State.RUNNING, startedBy, startedAt, now, null, null, step + 1, null,
                entries.stream().map(entry -> entry.phase().active() ? entry.in(entry.phase(), now) : entry).toList(), pools);
    }

    public long count(UpgradePhase phase) {
        return entries.stream().filter(entry -> entry.phase() == phase).count();
    }
}
