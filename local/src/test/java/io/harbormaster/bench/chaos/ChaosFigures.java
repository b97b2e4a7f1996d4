package io.harbormaster.bench.chaos;

import java.util.List;
import java.util.Locale;

/**
 * One chaos phase's figures (or several phases' summed): the three that must be 0, with what made them count, the
 * longest time a service ran fewer replicas than desired, and whether (and how fast) the cluster converged.
 */
public record ChaosFigures(List<String> tasksLost, List<String> wronglyDeleted, List<String> liveNodesRemoved,
                           long longestBelowDesiredMs, boolean converged, long convergedMs) {

    /** The three figures that must be 0 are. */
    public boolean clean() {
        return tasksLost.isEmpty() && wronglyDeleted.isEmpty() && liveNodesRemoved.isEmpty();
    }

    String line() {
        return String.format(Locale.ROOT, "tasks lost %d | instances wrongly deleted %d | live nodes removed %d | "
                        + "longest below desired %s ms | converged %s", tasksLost.size(), wronglyDeleted.size(),
                liveNodesRemoved.size(), longestBelowDesiredMs, converged ? "yes in " + convergedMs + " ms" : "NO");
    }
}
