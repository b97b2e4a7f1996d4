package io.harbormaster.drain;

import io.harbormaster.swarm.Node;
import java.util.Map;

/** The one thing a drain pass does next, as decided by {@link DrainProgress}. */
public sealed interface DrainAction {
    /** Label the node with our request and set it to drain. */
    record MarkNode(Node node, Map<String, String> labels) implements DrainAction {
    }

    /** Set the node active again and take our label off it: the drain gave up and the node stays. */
    record Reactivate(Node node, Map<String, String> labels) implements DrainAction {
    }

    /** Delete the scale-set instance whose computer name is the node's hostname. */
    record DeleteInstance(String hostname) implements DrainAction {
    }

    /** Remove the node, which is down, from the swarm. */
    record RemoveNode(String nodeId) implements DrainAction {
    }

    /** Nothing to do now; look again after the check interval. */
    record CheckAgain() implements DrainAction {
    }

    /** The drain is over; the status says how it ended. */
    record Finish() implements DrainAction {
    }
}
