package io.harbormaster.drain;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import java.util.Map;

/** The one thing a drain pass does next, as decided by {@link DrainProgress}. */
public sealed interface DrainAction {
    /**
     * Label the node with our request and set its availability: drain, or pause while a surge adds replicas elsewhere
     * (pause keeps the new replicas off the node and its own running).
     */
    record MarkNode(Node node, Map<String, String> labels, Node.Availability availability) implements DrainAction {
        public MarkNode(Node node, Map<String, String> labels) {
            this(node, labels, Node.Availability.DRAIN);
        }
    }

    /** Set the node active again and take our label off it: the drain gave up and the node stays. */
    record Reactivate(Node node, Map<String, String> labels) implements DrainAction {
    }

    /** Delete the scale-set instance whose computer name is the node's hostname. */
    record DeleteInstance(String hostname) implements DrainAction {
    }

    /**
     * Remove the node from the swarm: a node that is down, or, with {@code force}, one whose instance is deleted and so
     * can no longer run anything, although the managers have not noticed yet.
     */
    record RemoveNode(String nodeId, boolean force) implements DrainAction {
        public RemoveNode(String nodeId) {
            this(nodeId, false);
        }
    }

    /** Set a surge service's replica count (up by the node's replicas, or back to the recorded original). */
    record ScaleService(Service service, long replicas) implements DrainAction {
    }

    /** Put the status on record before anything else is done: the next pass acts on it, at once. */
    record Record() implements DrainAction {
    }

    /** Nothing to do now; look again after the check interval. */
    record CheckAgain() implements DrainAction {
    }

    /** The drain is over; the status says how it ended. */
    record Finish() implements DrainAction {
    }
}
