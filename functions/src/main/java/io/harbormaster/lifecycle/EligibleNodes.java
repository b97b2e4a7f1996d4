package io.harbormaster.lifecycle;

import io.harbormaster.capacity.Placement;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The nodes a service's tasks may be moved between: active, ready, not under an unfinished drain, and allowed by its
 * placement constraints (matched as the scheduler matches them, {@link Placement}). In hostname order.
 */
final class EligibleNodes {
    private EligibleNodes() {
    }

    static List<Node> of(Service service, RebalanceView view) {
        Placement placement = Placement.of(service.constraints());
        Set<String> draining = view.drainingNodeIds();
        return view.nodes().stream()
                .filter(node -> node.availability() == Node.Availability.ACTIVE && node.state() == Node.State.READY)
                .filter(node -> !draining.contains(node.id()))
                .filter(placement::allows)
                .sorted(Comparator.comparing(Node::hostname).thenComparing(Node::id))
                .toList();
    }
}
