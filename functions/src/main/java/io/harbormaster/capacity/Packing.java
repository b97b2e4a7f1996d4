package io.harbormaster.capacity;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Task;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * First-fit decreasing of task reservations into free room. Identical tasks (one service, one reservation) move as
 * a group, so the cost grows with the number of distinct reservations, not of tasks: placing {@code k} identical
 * tasks one at a time, first fit, fills the bins exactly as placing as many as fit in each bin in turn.
 */
final class Packing {
    private Packing() {
    }

    /** Tasks of one service with one reservation. */
    record Group(String serviceId, long cpu, long memory, Placement placement, int count) {
        Resources each() {
            return new Resources(cpu, memory);
        }
    }

    /** Free room on a node, or on an agent that is not in the swarm yet ({@code node} null). */
    static final class Bin {
        final Node node;
        /** For a new agent: the labels it will carry; its pool's. */
        final Map<String, String> newAgentLabels;
        long freeCpu;
        long freeMemory;
        int placed;
        boolean closed;

        Bin(Node node, long freeCpu, long freeMemory) {
            this(node, Map.of(), freeCpu, freeMemory);
        }

        private Bin(Node node, Map<String, String> newAgentLabels, long freeCpu, long freeMemory) {
            this.node = node;
            this.newAgentLabels = newAgentLabels;
            this.freeCpu = freeCpu;
            this.freeMemory = freeMemory;
        }

        static Bin newAgent(Resources room) {
            return newAgent(room, Map.of());
        }

        static Bin newAgent(Resources room, Map<String, String> labels) {
            return new Bin(null, labels, room.nanoCpus(), room.memoryBytes());
        }
    }

    /** Groups the tasks and orders the groups largest first, size being the larger share of {@code reference}. */
    static List<Group> groups(Iterable<Task> tasks, Function<String, Placement> placementOf, Resources reference) {
        record Key(String serviceId, long cpu, long memory) {
        }
        Map<Key, int[]> counts = new HashMap<>();
        for (Task task : tasks) {
            Resources r = task.reservations();
            counts.computeIfAbsent(new Key(task.serviceId(), r.nanoCpus(), r.memoryBytes()), key -> new int[1])[0]++;
        }
        List<Group> groups = new ArrayList<>(counts.size());
        counts.forEach((key, n) -> groups.add(new Group(key.serviceId(), key.cpu(), key.memory(),
                placementOf.apply(key.serviceId()), n[0])));
        double cpuUnit = Math.max(1, reference.nanoCpus());
        double memoryUnit = Math.max(1, reference.memoryBytes());
        groups.sort(Comparator.<Group>comparingDouble(g -> Math.max(g.cpu() / cpuUnit, g.memory() / memoryUnit)).reversed()
                .thenComparing(Comparator.comparingLong(Group::cpu).reversed())
                .thenComparing(Comparator.comparingLong(Group::memory).reversed())
                .thenComparing(g -> String.valueOf(g.serviceId())));
        return groups;
    }

    /** How many of the group's tasks fit in the bin as it is now. */
    static long fits(Group group, Bin bin) {
        if (bin.closed) {
            return 0;
        }
        long n = Long.MAX_VALUE;
        if (group.cpu() > 0) {
            n = Math.min(n, bin.freeCpu / group.cpu());
        }
        if (group.memory() > 0) {
            n = Math.min(n, bin.freeMemory / group.memory());
        }
        if (n <= 0) {
            return 0;
        }
        boolean allowed = bin.node == null ? group.placement().allowsNewAgent(bin.newAgentLabels) : group.placement().allows(bin.node);
        return allowed ? n : 0;
    }

    /**
     * Packs every group into {@code bins} in order, then into new agents of {@code newAgentRoom} carrying
     * {@code newAgentLabels}, appended to {@code bins}, at most {@code maxNewAgents} of them. Returns how many tasks
     * were left over.
     */
    static long pack(List<Group> groups, List<Bin> bins, Resources newAgentRoom, Map<String, String> newAgentLabels,
            int maxNewAgents) {
        int opened = 0;
        long leftOver = 0;
        for (Group group : groups) {
            long remaining = group.count();
            for (int i = 0; i < bins.size() && remaining > 0; i++) {
                remaining -= place(group, bins.get(i), remaining);
            }
            while (remaining > 0 && opened < maxNewAgents) {
                Bin bin = Bin.newAgent(newAgentRoom, newAgentLabels);
                long placed = place(group, bin, remaining);
                if (placed == 0) {
                    break; // an empty agent cannot take it, so no further one can
                }
                bins.add(bin);
                opened++;
                remaining -= placed;
            }
            leftOver += remaining;
        }
        return leftOver;
    }

    /**
     * Moves every group into the open bins, all or nothing. Returns null when all moved (the bins keep the
     * placements), or the first group that did not fit (the bins are as they were).
     */
    static Group moveAll(List<Group> groups, List<Bin> bins) {
        List<long[]> undo = new ArrayList<>();
        for (Group group : groups) {
            long remaining = group.count();
            for (int i = 0; i < bins.size() && remaining > 0; i++) {
                long placed = place(group, bins.get(i), remaining);
                if (placed > 0) {
                    undo.add(new long[] {i, placed * group.cpu(), placed * group.memory(), placed});
                    remaining -= placed;
                }
            }
            if (remaining > 0) {
                for (long[] step : undo) {
                    Bin bin = bins.get((int) step[0]);
                    bin.freeCpu += step[1];
                    bin.freeMemory += step[2];
                    bin.placed -= (int) step[3];
                }
                return group;
            }
        }
        return null;
    }

    private static long place(Group group, Bin bin, long wanted) {
        long n = Math.min(wanted, fits(group, bin));
        if (n > 0) {
            bin.freeCpu -= n * group.cpu();
            bin.freeMemory -= n * group.memory();
            bin.placed += (int) n;
        }
        return n;
    }
}
