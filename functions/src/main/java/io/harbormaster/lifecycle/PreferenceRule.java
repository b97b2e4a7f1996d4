package io.harbormaster.lifecycle;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Placement preferences: swarm's scheduler spreads a service's tasks over the values of each preference's label
 * first, and over nodes only within them, but its scale-down takes from the node with the most copies whatever its
 * label. A move is therefore safe only where every eligible node has the same values: there the scheduler's spread
 * is per node, as ours is. Otherwise the service is left as the scheduler placed it.
 */
final class PreferenceRule {
    private static final String NODE_LABEL_PREFIX = "node.labels.";

    private PreferenceRule() {
    }

    /** Why the preferences forbid moving the service's tasks between these nodes, or null when they do not. */
    static String conflict(Service service, List<Node> eligible) {
        if (service.preferences().isEmpty()) {
            return null;
        }
        Set<List<String>> groups = new HashSet<>();
        for (Node node : eligible) {
            List<String> values = new ArrayList<>();
            for (String descriptor : service.preferences()) {
                values.add(value(node, descriptor));
            }
            groups.add(values);
        }
        if (groups.size() <= 1) {
            return null;
        }
        return "its placement preferences " + service.preferences() + " spread it over " + groups.size()
                + " groups of nodes, which swarm's scale-down does not keep";
    }

    private static String value(Node node, String descriptor) {
        String lower = descriptor.toLowerCase(Locale.ROOT);
        if (lower.startsWith(NODE_LABEL_PREFIX)) {
            return node.labels().getOrDefault(descriptor.substring(NODE_LABEL_PREFIX.length()), "");
        }
        // engine labels and the like are not read: take every node as different, so nothing is moved
        return node.id();
    }
}
