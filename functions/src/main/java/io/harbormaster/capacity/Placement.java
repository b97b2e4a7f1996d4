package io.harbormaster.capacity;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.NodePlatform;
import io.harbormaster.swarm.SwarmRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A service's placement constraints, matched as swarm's scheduler matches them (values case-insensitively, a missing
 * label as the empty string). node.id, node.hostname, node.role, node.labels and node.platform.{os,arch} are judged:
 * an existing node by what its engine reports, a new agent by its pool's platform. engine.labels are taken as met,
 * since every agent runs the same image.
 *
 * <p>The keys' case and the values' matching follow moby/swarmkit {@code manager/constraint/constraint.go}
 * ({@code NodeMatches}: every key compared with {@code strings.EqualFold}; {@code Constraint.Match}: the value compared
 * with {@code strings.EqualFold}, {@code ==} or {@code !=}; a node that reported no platform matches as the empty
 * string), read at commit 3e72cb64.
 */
public final class Placement {
    static final Placement ANYWHERE = new Placement(List.of());
    private static final String NODE_LABEL_PREFIX = "node.labels.";

    private enum Key { ID, HOSTNAME, ROLE, NODE_LABEL, OS, ARCH }

    private record Constraint(Key key, String label, boolean equal, String value) {
        boolean allows(String id, String hostname, SwarmRole role, java.util.Map<String, String> labels,
                NodePlatform platform) {
            String actual = switch (key) {
                case ID -> id;
                case HOSTNAME -> hostname;
                case ROLE -> role.urlName();
                case NODE_LABEL -> labels.getOrDefault(label, "");
                case OS -> platform.os();
                case ARCH -> platform.architecture();
            };
            // An agent that has not joined yet has no id or hostname: it equals no value.
            boolean matches = actual != null && actual.equalsIgnoreCase(value);
            return matches == equal;
        }
    }

    private final List<Constraint> constraints;

    private Placement(List<Constraint> constraints) {
        this.constraints = constraints;
    }

    public static Placement of(List<String> expressions) {
        List<Constraint> constraints = new ArrayList<>();
        for (String expression : expressions) {
            int eq = expression.indexOf("==");
            int ne = expression.indexOf("!=");
            int at = eq < 0 ? ne : ne < 0 ? eq : Math.min(eq, ne);
            if (at <= 0) {
                continue; // Docker refuses such a service; nothing to judge
            }
            String key = expression.substring(0, at).trim();
            String value = expression.substring(at + 2).trim();
            boolean equal = at == eq;
            String lower = key.toLowerCase(Locale.ROOT);
            if (lower.startsWith(NODE_LABEL_PREFIX)) {
                // The label's own name is case-sensitive in swarm, the prefix is not.
                constraints.add(new Constraint(Key.NODE_LABEL, key.substring(NODE_LABEL_PREFIX.length()), equal, value));
            } else if (lower.equals("node.id")) {
                constraints.add(new Constraint(Key.ID, null, equal, value));
            } else if (lower.equals("node.hostname")) {
                constraints.add(new Constraint(Key.HOSTNAME, null, equal, value));
            } else if (lower.equals("node.role")) {
                constraints.add(new Constraint(Key.ROLE, null, equal, value));
            } else if (lower.equals("node.platform.os")) {
                constraints.add(new Constraint(Key.OS, null, equal, value));
            } else if (lower.equals("node.platform.arch")) {
                constraints.add(new Constraint(Key.ARCH, null, equal, value));
            }
        }
        return constraints.isEmpty() ? ANYWHERE : new Placement(List.copyOf(constraints));
    }

    boolean anywhere() {
        return constraints.isEmpty();
    }

    public boolean allows(Node node) {
        for (Constraint constraint : constraints) {
            if (!constraint.allows(node.id(), node.hostname(), node.role(), node.labels(), node.platform())) {
                return false;
            }
        }
        return true;
    }

    /** Whether a worker that has just joined (no labels, an id and hostname no one can name yet) qualifies. */
    boolean allowsNewAgent() {
        return allowsNewAgent(java.util.Map.of());
    }

    /**
     * Whether a worker that has just joined qualifies once it carries {@code labels}: its pool's, which the control
     * plane sets as it joins (an id and hostname no one can name yet).
     */
    boolean allowsNewAgent(java.util.Map<String, String> labels) {
        return allowsNewAgent(labels, Pool.DEFAULT_PLATFORM);
    }

    /** As {@link #allowsNewAgent(java.util.Map)}, for a new agent of {@code platform}: its pool's. */
    boolean allowsNewAgent(java.util.Map<String, String> labels, NodePlatform platform) {
        for (Constraint constraint : constraints) {
            if (!constraint.allows(null, null, SwarmRole.WORKER, labels, platform)) {
                return false;
            }
        }
        return true;
    }
}
