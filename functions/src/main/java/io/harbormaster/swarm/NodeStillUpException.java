package io.harbormaster.swarm;

/** A node that is not down cannot be removed without force, and we never force: it may still run tasks. */
public class NodeStillUpException extends RuntimeException {
    public NodeStillUpException(String nodeId, Throwable cause) {
        super("node " + nodeId + " is not down yet and cannot be removed", cause);
    }
}
