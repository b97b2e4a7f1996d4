package io.harbormaster.capacity;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A step that runs after each capacity plan, under the check's lease and on the check's own snapshot: the rebalance
 * (package lifecycle). It is handed to the check rather than called by it, so capacity depends on no later package.
 */
public interface AfterPlan {
    /** Does nothing: a check without a later step. */
    AfterPlan NONE = (snapshot, hold, dryRun) -> Result.NOTHING;

    /**
     * @param hold why it may start nothing new this time (the plan scales or drains, the guard tripped, automatic actions
     *             are paused), or null; what it started earlier it may still finish
     * @param dryRun decide and report only, act on nothing
     */
    Result run(CapacitySnapshot snapshot, String hold, boolean dryRun);

    /**
     * What the step decided, for the check's recorded decisions, and when it wants the next check: a pass never
     * waits, it asks to be run again.
     */
    record Result(List<CapacityHistory.Decision> decisions, Optional<Duration> nextCheck) {
        public static final Result NOTHING = new Result(List.of(), Optional.empty());

        public Result {
            decisions = List.copyOf(decisions);
        }
    }
}
