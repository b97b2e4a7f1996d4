package io.harbormaster.capacity;

import java.util.Objects;

/**
 * One line of a plan's notes, as a rule writes it; the planner gathers every rule's notes into one {@link Notes}.
 *
 * @param topic what a note repeated per node is cut short as ("… and 12 more {@code topic}"), or null for a line that
 *              is always kept
 */
record Note(String topic, String line) {
    Note {
        Objects.requireNonNull(line, "line");
    }
}
