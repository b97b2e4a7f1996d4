package io.harbormaster.capacity;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.NodePlatform;
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

    /**
     * Tasks of one service with one reservation.
     *
     * @param generic the generic resources each reserves, by kind; counted like CPU and memory
     */
    record Group(String serviceId, long cpu, long memory, Map<String, Long> generic, Placement placement, int count) {
        Group(String serviceId, long cpu, long memory, Placement placement, int count) {
            this(serviceId, cpu, memory, Map.of(), placement, count);
        }

        Resources each() {
            return new Resources(cpu, memory, generic);
        }
    }

    /** Free room on a node, or on an agent that is not in the swarm yet ({@code node} null). */
    static final class Bin {
        final Node node;
        /** For a new agent: the labels it will carry; its pool's. */
        final Map<String, String> newAgentLabels;
        /** For a new agent: the platform it will report; its pool's. */
        final NodePlatform newAgentPlatform;
        long freeCpu;
        long freeMemory;
        /** The generic resources still free, by kind; a kind not listed has none. */
        final Map<String, Long> freeGeneric;
        int placed;
        boolean closed;

        Bin(Node node, long freeCpu, long freeMemory) {
            this(node, Map.of(), Pool.DEFAULT_PLATFORM, new Resources(freeCpu, freeMemory));
        }

        /** Room on an existing node: {@code free}, its generic resources included. */
        Bin(Node node, Resources free) {
            this(node, Map.of(), Pool.DEFAULT_PLATFORM, free);
        }

        private Bin(Node node, Map<String, String> newAgentLabels, NodePlatform newAgentPlatform, Resources free) {
            this.node = node;
            this.newAgentLabels = newAgentLabels;
            this.newAgentPlatform = newAgentPlatform;
            this.freeCpu = free.nanoCpus();
            this.freeMemory = free.memoryBytes();
            this.freeGeneric = free.generic().isEmpty() ? new HashMap<>(2) : new HashMap<>(free.generic());
        }

        static Bin newAgent(Resources room) {
            return newAgent(room, Map.of());
        }

        static Bin newAgent(Resources room, Map<String, String> labels) {
            return newAgent(room, labels, Pool.DEFAULT_PLATFORM);
        }

        static Bin newAgent(Resources room, Map<String, String> labels, NodePlatform platform) {
            return new Bin(null, labels, platform, room);
        }
    }

    /** Groups the tasks and orders the groups largest first, size being the larger share of {@code reference}. */
    static List<Group> groups(Iterable<Task> tasks, Function<String, Placement> placementOf, Resources reference) {
        record Key(String serviceId, long cpu, long memory, Map<String, Long> generic) {
        }
        Map<Key, int[]> counts = new HashMap<>();
        for (Task task : tasks) {
            Resources r = task.reservations();
            counts.computeIfAbsent(new Key(task.serviceId(), r.nanoCpus(), r.memoryBytes(), r.generic()), key -> new int[1])[0]++;
        }
        List<Group> groups = new ArrayList<>(counts.size());
        counts.forEach((key, n) -> groups.add(new Group(key.serviceId(), key.cpu(), key.memory(), key.generic(),
                placementOf.apply(key.serviceId()), n[0])));
        groups.sort(Comparator.<Group>comparingDouble(g -> share(g, reference)).reversed()
                .thenComparing(Comparator.comparingLong(Group::cpu).reversed())
                .thenComparing(Comparator.comparingLong(Group::memory).reversed())
                .thenComparing(g -> String.valueOf(g.serviceId()))
                .thenComparing(g -> g.generic().toString()));
        return groups;
    }

    /** The largest share of {@code reference} one of the group's tasks takes: CPU, memory or a generic kind it offers. */
    private static double share(Group group, Resources reference) {
        double share = Math.max(group.cpu() / (double) Math.max(1, reference.nanoCpus()),
                group.memory() / (double) Math.max(1, reference.memoryBytes()));
        if (group.generic().isEmpty()) {
            return share;
        }
        for (Map.Entry<String, Long> kind : group.generic().entrySet()) {
            long offered = reference.generic(kind.getKey());
            if (offered > 0) {
                share = Math.max(share, kind.getValue() / (double) offered);
            }
        }
        return share;
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
        // Checked first: most groups reserve no generic resource, and this runs for every group and bin.
        if (!group.generic().isEmpty()) {
            for (Map.Entry<String, Long> kind : group.generic().entrySet()) {
                if (kind.getValue() > 0) {
                    n = Math.min(n, bin.freeGeneric.getOrDefault(kind.getKey(), 0L) / kind.getValue());
                }
            }
        }
        if (n <= 0) {
            return 0;
        }
        boolean allowed = bin.node == null ? group.placement().allowsNewAgent(bin.newAgentLabels, bin.newAgentPlatform)
                : group.placement().allows(bin.node);
        return allowed ? n : 0;
    }

    /**
     * Packs every group into {@code bins} in order, then into new agents of {@code newAgentRoom} carrying
     * {@code newAgentLabels}, appended to {@code bins}, at most {@code maxNewAgents} of them. Returns how many tasks
     * were left over.
     */
    static long pack(List<Group> groups, List<Bin> bins, Resources newAgentRoom, Map<String, String> newAgentLabels,
            int maxNewAgents) {
        return pack(groups, bins, newAgentRoom, newAgentLabels, Pool.DEFAULT_PLATFORM, maxNewAgents);
    }

    /** As {@link #pack(List, List, Resources, Map, int)}, the new agents of {@code newAgentPlatform}. */
    static long pack(List<Group> groups, List<Bin> bins, Resources newAgentRoom, Map<String, String> newAgentLabels,
            NodePlatform newAgentPlatform, int maxNewAgents) {
        int opened = 0;
        long leftOver = 0;
        for (Group group : groups) {
            long remaining = group.count();
            for (int i = 0; i < bins.size() && remaining > 0; i++) {
                remaining -= place(group, bins.get(i), remaining);
            }
            while (remaining > 0 && opened < maxNewAgents) {
                Bin bin = Bin.newAgent(newAgentRoom, newAgentLabels, newAgentPlatform);
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
        record Move(Group group, int bin, long count) {
        }
        List<Move> undo = new ArrayList<>();
        for (Group group : groups) {
            long remaining = group.count();
            for (int i = 0; i < bins.size() && remaining > 0; i++) {
                long placed = place(group, bins.get(i), remaining);
                if (placed > 0) {
                    undo.add(new Move(group, i, placed));
                    remaining -= placed;
                }
            }
            if (remaining > 0) {
                for (Move move : undo) {
                    take(move.group(), bins.get(move.bin()), -move.count());
                }
                return group;
            }
        }
        return null;
    }

    private static long place(Group group, Bin bin, long wanted) {
        long n = Math.min(wanted, fits(group, bin));
        if (n > 0) {
            take(group, bin, n);
        }
        return n;
    }

    /** Takes {@code n} of the group's reservations from the bin (gives them back for a negative {@code n}). */
    private static void take(Group group, Bin bin, long n) {
        bin.freeCpu -= n * group.cpu();
        bin.freeMemory -= n * group.memory();
        if (!group.generic().isEmpty()) {
            for (Map.Entry<String, Long> kind : group.generic().entrySet()) {
                bin.freeGeneric.merge(kind.getKey(), -n * kind.getValue(), Long::sum);
            }
        }
        bin.placed += (int) n;
    }
}
