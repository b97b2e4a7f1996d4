package io.harbormaster.emulator.nodes;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The order in which systemd would start a set of units: every unit after the units its After= names. */
public final class BootOrder {
    private BootOrder() {
    }

    /**
     * Sorts {@code units} so that each comes after those of the set it names in After= (names outside the set
     * order nothing, as in systemd); otherwise the given order is kept. A cycle is an error.
     */
    public static List<SystemdUnit> sort(Collection<SystemdUnit> units) {
        Map<String, SystemdUnit> byName = new LinkedHashMap<>();
        units.forEach(unit -> byName.put(unit.name(), unit));
        List<SystemdUnit> sorted = new ArrayList<>();
        Set<String> done = new HashSet<>();
        Set<String> visiting = new HashSet<>();
        for (SystemdUnit unit : byName.values()) {
            visit(unit, byName, done, visiting, sorted);
        }
        return sorted;
    }

    private static void visit(SystemdUnit unit, Map<String, SystemdUnit> byName, Set<String> done, Set<String> visiting,
                              List<SystemdUnit> sorted) {
        if (done.contains(unit.name())) {
            return;
        }
        if (!visiting.add(unit.name())) {
            throw new IllegalArgumentException("an After= cycle through " + unit.name());
        }
        for (String before : unit.after()) {
            SystemdUnit dependency = byName.get(before);
            if (dependency != null) {
                visit(dependency, byName, done, visiting, sorted);
            }
        }
        visiting.remove(unit.name());
        done.add(unit.name());
        sorted.add(unit);
    }
}
