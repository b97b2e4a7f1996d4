package io.harbormaster.swarm;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU (in billionths of a core), memory and generic resources; a node's capacity or a task's reservation.
 *
 * @param generic generic resources by kind ({@code gpu} to 2): what a node advertises through dockerd's
 *                {@code node-generic-resources}, or what a task reserves ({@code --generic-resource gpu=1}); a named
 *                resource counts 1 for each name, as swarmkit's {@code genericresource.HasEnough} counts it
 */
public record Resources(long nanoCpus, long memoryBytes, Map<String, Long> generic) {
    public static final Resources NONE = new Resources(0, 0);

    public Resources {
        // Sorted, and without zero counts, so that equal reservations are equal records whatever the source order.
        if (generic == null || generic.isEmpty()) {
            generic = Map.of();
        } else {
            Map<String, Long> kept = new TreeMap<>();
            generic.forEach((kind, count) -> {
                if (count != null && count != 0) {
                    kept.put(kind, count);
                }
            });
            generic = kept.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(kept);
        }
    }

    /** CPU and memory only. */
    public Resources(long nanoCpus, long memoryBytes) {
        this(nanoCpus, memoryBytes, Map.of());
    }

    public Resources plus(Resources other) {
        return new Resources(nanoCpus + other.nanoCpus, memoryBytes + other.memoryBytes, merged(generic, other.generic, 1));
    }

    /** What is left of this once {@code other} is taken; a generic kind may go negative, as CPU and memory may. */
    public Resources minus(Resources other) {
        return new Resources(nanoCpus - other.nanoCpus, memoryBytes - other.memoryBytes, merged(generic, other.generic, -1));
    }

    /** How many of the generic kind there are; 0 for a kind not listed. */
    public long generic(String kind) {
        return generic.getOrDefault(kind, 0L);
    }

    /** The same CPU and memory with other generic resources. */
    public Resources withGeneric(Map<String, Long> other) {
        return new Resources(nanoCpus, memoryBytes, other);
    }

    /** Reserves nothing at all: no CPU, no memory, no generic resource. */
    public boolean none() {
        return nanoCpus == 0 && memoryBytes == 0 && generic.isEmpty();
    }

    /** Whether {@code need} fits in this: every figure, each generic kind included, at least as large. */
    public boolean holds(Resources need) {
        if (need.nanoCpus > nanoCpus || need.memoryBytes > memoryBytes) {
            return false;
        }
        if (need.generic.isEmpty()) {
            return true;
        }
        for (Map.Entry<String, Long> kind : need.generic.entrySet()) {
            if (kind.getValue() > generic(kind.getKey())) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, Long> merged(Map<String, Long> a, Map<String, Long> b, int sign) {
        if (b.isEmpty()) {
            return a;
        }
        Map<String, Long> sum = new HashMap<>(a);
        b.forEach((kind, count) -> sum.merge(kind, sign * count, Long::sum));
        return sum;
    }
}
