package io.harbormaster.capacity;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keeps the agents' availability zones level over a scale-in: among equally idle candidates, the one in the zone with
 * the most agents goes first. Azure balances zones on scale-out only, and a scale-in that named instances by idleness
 * alone could empty one zone (kubernetes/autoscaler#3309 asks the same of cluster-autoscaler).
 */
final class ZoneBalance {
    private ZoneBalance() {
    }

    /** Agents per zone: every node with a scale-set instance that ARM placed in a zone. Empty without zones. */
    static Map<String, Integer> agentsPerZone(ClusterIndex index, List<Node> nodes) {
        Map<String, Integer> perZone = new TreeMap<>();
        for (Node node : nodes) {
            ScaleSetInstance instance = index.instanceOf(node);
            if (instance != null && instance.zone() != null) {
                perZone.merge(instance.zone(), 1, Integer::sum);
            }
        }
        return perZone;
    }

    /**
     * The candidates in the order scale-in should take them. {@code byUtilisation} is sorted least busy first; within a
     * run of candidates equally idle (the same whole percent), each next pick comes from the zone that has the most
     * agents left after the picks before it, and the sort's order breaks ties.
     */
    static List<ScaleInRule.Candidate> order(List<ScaleInRule.Candidate> byUtilisation, Map<String, Integer> agentsPerZone,
            ClusterIndex index) {
        if (agentsPerZone.size() < 2) {
            return byUtilisation;
        }
        Map<String, Integer> left = new HashMap<>(agentsPerZone);
        List<ScaleInRule.Candidate> ordered = new ArrayList<>(byUtilisation.size());
        int start = 0;
        while (start < byUtilisation.size()) {
            long level = percent(byUtilisation.get(start));
            int end = start;
            while (end < byUtilisation.size() && percent(byUtilisation.get(end)) == level) {
                end++;
            }
            List<ScaleInRule.Candidate> run = new ArrayList<>(byUtilisation.subList(start, end));
            while (!run.isEmpty()) {
                int best = 0;
                for (int i = 1; i < run.size(); i++) {
                    if (agents(left, zone(run.get(i), index)) > agents(left, zone(run.get(best), index))) {
                        best = i;
                    }
                }
                ScaleInRule.Candidate picked = run.remove(best);
                String zone = zone(picked, index);
                if (zone != null) {
                    left.merge(zone, -1, Integer::sum);
                }
                ordered.add(picked);
            }
            start = end;
        }
        return ordered;
    }

    private static long percent(ScaleInRule.Candidate candidate) {
        return Math.round(candidate.utilisation() * 100);
    }

    private static String zone(ScaleInRule.Candidate candidate, ClusterIndex index) {
        ScaleSetInstance instance = index.instanceOf(candidate.node());
        return instance == null ? null : instance.zone();
    }

    private static int agents(Map<String, Integer> left, String zone) {
        return zone == null ? Integer.MIN_VALUE : left.getOrDefault(zone, 0);
    }
}
