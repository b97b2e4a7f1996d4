package io.harbormaster.capacity;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.NodePlatform;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which pool's new agents take the pending tasks, as cluster-autoscaler's least-waste expander chooses: among the
 * pools whose new agent would satisfy a task's placement constraints (its pool labels and the control plane's, its
 * platform) and hold its reservation (generic resources included), the one that leaves the least CPU, memory and
 * generic resources unused on the new agents the tasks pack into;
 * ties go to the lower order, then to the pool listed first. A pool at its maximum is chosen only when no other fits.
 * The chosen pool takes every pending task it fits, and the choice repeats for the rest, so different tasks can
 * scale different pools in one check.
 */
final class PoolExpander {
    private PoolExpander() {
    }

    /**
     * The expander's answer.
     *
     * @param poolByTask the chosen pool of each pending task it placed, by task id; the others stay with the first pool
     * @param notes one line per chosen pool, for that pool's plan, by pool name
     */
    record Choice(Map<String, String> poolByTask, Map<String, List<String>> notes) {
    }

    /** One pool as the expander weighs it. */
    private record Candidate(Pool pool, int position, Map<String, String> labels, AgentSize agent, boolean atMaximum,
            String passedOver) {
        NodePlatform platform() {
            return pool.platform();
        }
    }

    static Choice choose(FleetSnapshot fleet, FleetPartition.NodePools nodePools, CapacityPolicy shared) {
        return choose(fleet, nodePools, shared, Map.of());
    }

    /**
     * @param passedOver why a pool could not allocate lately ({@link AllocationBackoff}), by pool name: such a pool is
     *                   chosen only when no other fits, so its tasks go to the next pool that fits
     */
    static Choice choose(FleetSnapshot fleet, FleetPartition.NodePools nodePools, CapacityPolicy shared,
            Map<String, String> passedOver) {
        return choose(FleetIndex.of(fleet, nodePools), shared, passedOver);
    }

    /** @param index the fleet as this check indexed it once, which the partition and the pools' plans read too */
    static Choice choose(FleetIndex index, CapacityPolicy shared, Map<String, String> passedOver) {
        FleetSnapshot fleet = index.fleet();
        List<Task> waiting = new ArrayList<>();
        for (Task task : index.pending()) {
            Service service = index.service(task.serviceId());
            if ((task.nodeId() == null || task.nodeId().isEmpty()) && (service == null || !service.global())
                    && !task.reservations().none()
                    && PendingTaskRule.newAgentMayPlace(task.message() == null ? "" : task.message(), true)) {
                waiting.add(task);
            }
        }
        if (waiting.isEmpty()) {
            return new Choice(Map.of(), Map.of());
        }
        List<Candidate> candidates = candidates(fleet, index, shared, passedOver);
        Map<GroupKey, List<String>> taskIds = new HashMap<>();
        for (Task task : waiting) {
            taskIds.computeIfAbsent(GroupKey.of(task), key -> new ArrayList<>()).add(task.id());
        }
        List<Packing.Group> remaining = new ArrayList<>(Packing.groups(waiting, index::placement,
                candidates.get(0).agent().size()));
        Map<String, String> poolByTask = new HashMap<>();
        Map<String, List<String>> notes = new LinkedHashMap<>();
        while (!remaining.isEmpty()) {
            Candidate best = null;
            List<Packing.Group> bestFit = null;
            double bestWaste = 0;
            List<String> weighed = new ArrayList<>();
            for (Candidate candidate : candidates) {
                List<Packing.Group> fit = fitting(candidate, remaining);
                if (fit.isEmpty()) {
                    continue;
                }
                double waste = waste(candidate, fit);
                weighed.add(candidate.pool().name() + " " + percent(waste) + (candidate.atMaximum() ? " (at its maximum)" : "")
                        + (candidate.passedOver() != null ? " (cannot allocate: " + candidate.passedOver() + ")" : ""));
                if (best == null || better(candidate, waste, best, bestWaste)) {
                    best = candidate;
                    bestFit = fit;
                    bestWaste = waste;
                }
            }
            if (best == null) {
                break;
            }
            long count = 0;
            for (Packing.Group group : bestFit) {
                count += group.count();
                for (String id : taskIds.get(new GroupKey(group.serviceId(), group.each()))) {
                    poolByTask.put(id, best.pool().name());
                }
            }
            notes.computeIfAbsent(best.pool().name(), name -> new ArrayList<>()).add("pool " + best.pool().name()
                    + " takes " + HumanUnits.count(count, "pending task", "pending tasks") + " that more agents would place:"
                    + (weighed.size() == 1 ? " the only pool whose new agent fits them"
                            : " least waste of a new agent among " + String.join(", ", weighed)
                                    + ", ties to the lower order"
                                    + (weighed.stream().anyMatch(line -> line.contains("(cannot allocate: "))
                                            ? "; a pool that could not allocate lately goes last" : "")));
            remaining.removeAll(new HashSet<>(bestFit));
        }
        unprovided(remaining, candidates, index, notes);
        return new Choice(poolByTask, notes);
    }

    private static List<Candidate> candidates(FleetSnapshot fleet, FleetIndex index, CapacityPolicy shared,
            Map<String, String> passedOver) {
        Map<String, List<Node>> agentsByPool = new HashMap<>();
        for (Node node : fleet.nodes()) {
            String pool = index.nodePools().poolOf(node.id());
            if (pool != null) {
                agentsByPool.computeIfAbsent(pool, name -> new ArrayList<>()).add(node);
            }
        }
        List<Candidate> candidates = new ArrayList<>();
        for (int position = 0; position < fleet.pools().size(); position++) {
            FleetSnapshot.PoolReading reading = fleet.pools().get(position);
            Pool pool = reading.pool();
            Map<String, String> labels = pool.newAgentLabels(reading.scaleSet().sku());
            AgentSize agent = AgentSize.measure(agentsByPool.getOrDefault(pool.name(), List.of()), fleet.services(),
                    index::placement, pool.policy(shared), labels, pool.platform());
            candidates.add(new Candidate(pool, position, labels, agent, reading.scaleSet().capacity() >= pool.maxAgents(),
                    passedOver.get(pool.name())));
        }
        return candidates;
    }

    /**
     * Notes, for the first pool (which keeps the tasks no pool takes), the tasks that reserve a generic resource no
     * pool's new agent provides: no scale-out can place them, whatever the pool.
     */
    private static void unprovided(List<Packing.Group> left, List<Candidate> candidates, FleetIndex index,
            Map<String, List<String>> notes) {
        Map<String, Map<String, Long>> tasksByKind = new LinkedHashMap<>();
        for (Packing.Group group : left) {
            for (String kind : group.generic().keySet()) {
                boolean provided = false;
                for (Candidate candidate : candidates) {
                    provided |= candidate.agent().room().generic(kind) > 0;
                }
                if (!provided) {
                    Service service = index.service(group.serviceId());
                    String name = service == null || service.name().isEmpty() ? group.serviceId() : service.name();
                    tasksByKind.computeIfAbsent(kind, k -> new LinkedHashMap<>()).merge(name, (long) group.count(), Long::sum);
                }
            }
        }
        String first = candidates.get(0).pool().name();
        tasksByKind.forEach((kind, byService) -> notes.computeIfAbsent(first, name -> new ArrayList<>()).add(
                HumanUnits.count(byService.values().stream().mapToLong(Long::longValue).sum(), "pending task reserves",
                        "pending tasks reserve") + " " + kind + " (" + byService.keySet().stream().sorted()
                        .reduce((a, b) -> a + ", " + b).orElse("") + "): no pool provides " + kind
                        + ", not scaling for " + (byService.values().stream().mapToLong(Long::longValue).sum() == 1 ? "it" : "them")));
    }

    /** The groups a new agent of the pool can take: its constraints allow the agent, and one task fits its room. */
    private static List<Packing.Group> fitting(Candidate candidate, List<Packing.Group> groups) {
        Resources room = candidate.agent().room();
        List<Packing.Group> fit = new ArrayList<>();
        for (Packing.Group group : groups) {
            if (room.holds(group.each())
                    && group.placement().allowsNewAgent(candidate.labels(), candidate.platform())) {
                fit.add(group);
            }
        }
        return fit;
    }

    /**
     * The share of the new agents' CPU, memory and each generic resource they offer, averaged, that the groups leave
     * unused once packed onto them: a GPU agent that takes tasks which reserve no GPU wastes its GPUs.
     */
    static double waste(Resources size, Resources room, Map<String, String> labels, List<Packing.Group> groups, int most) {
        return waste(size, room, labels, Pool.DEFAULT_PLATFORM, groups, most);
    }

    static double waste(Resources size, Resources room, Map<String, String> labels, NodePlatform platform,
            List<Packing.Group> groups, int most) {
        List<Packing.Bin> bins = new ArrayList<>();
        Packing.pack(groups, bins, room, labels, platform, most);
        if (bins.isEmpty()) {
            return 1;
        }
        // Unused is what is left of the room; what global services take counts as used, as they run there anyway.
        long freeCpu = 0;
        long freeMemory = 0;
        Map<String, Long> freeGeneric = new HashMap<>();
        for (Packing.Bin bin : bins) {
            freeCpu += bin.freeCpu;
            freeMemory += bin.freeMemory;
            bin.freeGeneric.forEach((kind, free) -> freeGeneric.merge(kind, free, Long::sum));
        }
        double sum = freeCpu / ((double) bins.size() * Math.max(1, size.nanoCpus()))
                + freeMemory / ((double) bins.size() * Math.max(1, size.memoryBytes()));
        int figures = 2;
        for (Map.Entry<String, Long> kind : size.generic().entrySet()) {
            if (kind.getValue() > 0) {
                sum += freeGeneric.getOrDefault(kind.getKey(), 0L) / ((double) bins.size() * kind.getValue());
                figures++;
            }
        }
        return sum / figures;
    }

    private static double waste(Candidate candidate, List<Packing.Group> fit) {
        return waste(candidate.agent().size(), candidate.agent().room(), candidate.labels(), candidate.platform(), fit,
                Math.max(1, candidate.pool().maxAgents()));
    }

    /**
     * A pool that could allocate lately before one that could not; a pool with room to grow before one at its maximum;
     * then less waste; then the lower order; then listed first.
     */
    private static boolean better(Candidate candidate, double waste, Candidate best, double bestWaste) {
        if ((candidate.passedOver() == null) != (best.passedOver() == null)) {
            return candidate.passedOver() == null;
        }
        if (candidate.atMaximum() != best.atMaximum()) {
            return !candidate.atMaximum();
        }
        if (Math.abs(waste - bestWaste) > 1e-9) {
            return waste < bestWaste;
        }
        if (candidate.pool().order() != best.pool().order()) {
            return candidate.pool().order() < best.pool().order();
        }
        return candidate.position() < best.position();
    }

    private static String percent(double share) {
        return Math.round(share * 100) + "% unused";
    }

    private record GroupKey(String serviceId, Resources each) {
        static GroupKey of(Task task) {
            return new GroupKey(task.serviceId(), task.reservations());
        }
    }
}
