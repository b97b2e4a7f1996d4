package io.harbormaster.capacity;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The planner's answer to one check: what to do, what it chose not to do and why, and what to remember.
 *
 * @param guardTripped the scale set and the swarm disagreed too much to trust; destructive actions were withheld
 * @param dryRun the executor logs the actions and performs none
 * @param history what the caller stores and passes to the next check
 * @param nextDeadline the earliest time a rule that is waiting comes due (a node's unneeded time, a grace period),
 *                     or null; a hint for the status endpoint, not a schedule
 */
public record CapacityPlan(
        List<CapacityAction> actions,
        List<String> notes,
        boolean guardTripped,
        boolean dryRun,
        CapacityHistory history,
        Instant nextDeadline) {

    public CapacityPlan {
        actions = List.copyOf(actions);
        notes = List.copyOf(notes);
        Objects.requireNonNull(history, "history");
    }

    public <T extends CapacityAction> List<T> actions(Class<T> kind) {
        return actions.stream().filter(kind::isInstance).map(kind::cast).toList();
    }
}
