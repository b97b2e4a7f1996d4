package io.harbormaster.capacity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The plan's notes; a topic repeated per node is cut short so that a thousand idle nodes stay readable. */
final class Notes {
    static final int PER_TOPIC = 10;

    private final List<String> lines = new ArrayList<>();
    private final Map<String, Integer> counts = new HashMap<>();
    private final Map<String, Integer> leftOut = new LinkedHashMap<>();

    void add(String line) {
        lines.add(line);
    }

    /** {@code topic} names what is left out: "… and 12 more <topic>". */
    void add(String topic, String line) {
        if (counts.merge(topic, 1, Integer::sum) <= PER_TOPIC) {
            lines.add(line);
        } else {
            leftOut.merge(topic, 1, Integer::sum);
        }
    }

    /** Adds a rule's note, under its topic when it has one. */
    void add(Note note) {
        if (note.topic() == null) {
            add(note.line());
        } else {
            add(note.topic(), note.line());
        }
    }

    List<String> build() {
        List<String> all = new ArrayList<>(lines);
        leftOut.forEach((topic, n) -> all.add("… and " + n + " more " + topic));
        return all;
    }
}
