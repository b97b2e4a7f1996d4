package io.harbormaster.lifecycle;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * The one move a steady, uneven service gets: from its most crowded node to the node swarm's scheduler will pick for
 * one more task, the one with the fewest tasks of the service among those with room for its reservation (then the
 * fewest tasks in all, as the scheduler breaks ties). Only worth it when that leaves the two at most one apart
 * the other way round, i.e. when they differ by two or more now.
 */
final class MoveRule {
    /** The move, or why there is none; {@code gap} is how uneven the service is (most crowded less lightest). */
    record Verdict(RebalanceMove.Start start, String note, int gap) {
    }

    private MoveRule() {
    }

    static Verdict judge(Service service, ServiceSpread spread, Headroom headroom, List<Task> allTasks, Instant now) {
        int gap = spread.most() - spread.fewest();
        if (spread.even()) {
            return new Verdict(null, null, gap);
        }
        Node from = spread.mostCrowded();
        Node to = spread.counts().keySet().stream()
                .filter(node -> headroom.fits(node, service.reservations()))
                .min(Comparator.comparingInt(spread::count)
                        .thenComparingLong(node -> allTasks.stream().filter(task -> node.id().equals(task.nodeId())).count())
                        .thenComparing(Node::hostname))
                .orElse(null);
        if (to == null || spread.count(from) - spread.count(to) < 2) {
            return new Verdict(null, service.name() + " is uneven (" + spread.describe()
                    + ") but its lighter nodes lack room for its reservation", gap);
        }
        String reason = service.name() + " has " + spread.count(from) + " tasks on " + from.hostname() + " and "
                + spread.count(to) + " on " + to.hostname() + " (" + spread.describe() + "): one more replica goes to the node"
                + " with the fewest, then one fewer leaves the node with the most";
        return new Verdict(new RebalanceMove.Start(service, new MoveIntent(service.replicas(), now), from.hostname(),
                to.hostname(), reason), null, gap);
    }
}
