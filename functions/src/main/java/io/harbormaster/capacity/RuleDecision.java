package io.harbormaster.capacity;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** What a rule that hands nothing on to a later rule decided: its actions, notes and deadline, in its order. */
record RuleDecision<A extends CapacityAction>(List<A> actions, List<Note> notes, Instant due) implements RuleOutcome {
    RuleDecision {
        actions = List.copyOf(actions);
        notes = List.copyOf(notes);
    }

    /** A rule's working list while it decides; it lives inside one call of one rule and is never shared. */
    static final class Builder<A extends CapacityAction> {
        private final Instant now;
        private final List<A> actions = new ArrayList<>();
        private final List<Note> notes = new ArrayList<>();
        private Instant due;

        Builder(Instant now) {
            this.now = now;
        }

        void act(A action) {
            actions.add(action);
        }

        void note(String line) {
            notes.add(new Note(null, line));
        }

        void note(String topic, String line) {
            notes.add(new Note(topic, line));
        }

        /** Keeps the earliest deadline after now; one at or before now is already past and says nothing. */
        void due(Instant at) {
            if (at.isAfter(now) && (due == null || at.isBefore(due))) {
                due = at;
            }
        }

        List<A> actions() {
            return List.copyOf(actions);
        }

        List<Note> notes() {
            return List.copyOf(notes);
        }

        Instant due() {
            return due;
        }

        RuleDecision<A> build() {
            return new RuleDecision<>(actions, notes, due);
        }
    }
}
