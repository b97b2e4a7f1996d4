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

    /** Start deallocating the instance recorded with the request; the instance stays, warm, in the scale set. */
    record DeallocateInstance(String hostname) implements DrainAction {
    }

    /**
     * Remove the node from the swarm, because it is {@link Because#DOWN}; or, by force although the managers still see
     * it Ready, because its instance is deleted and it can no longer run anything, or because it is drained and leaving
     * at its own request (a shutdown drain), or because its instance is being deallocated (forced only once Azure
     * reports it deallocated: until then the VM may still run).
     */
    record RemoveNode(String nodeId, Because because) implements DrainAction {
        public RemoveNode(String nodeId) {
            this(nodeId, Because.DOWN);
        }

        /** Why the node may go. */
        public enum Because { DOWN, INSTANCE_DELETED, LEAVING, INSTANCE_DEALLOCATED }
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
