package io.harbormaster.capacity;

import java.time.Instant;
import java.util.List;

/**
 * What the planner gathers from each rule's result, in the order it runs the rules: the actions, the notes and the
 * earliest time a rule that is waiting comes due. A rule's result may carry more, for a later rule to take as an
 * argument; never a field that another rule reads.
 */
interface RuleOutcome {
    default List<? extends CapacityAction> actions() {
        return List.of();
    }

    List<Note> notes();

    /** When a rule that is waiting comes due (a grace, an unneeded time), after the check's time; null when none. */
    default Instant due() {
        return null;
    }
}
