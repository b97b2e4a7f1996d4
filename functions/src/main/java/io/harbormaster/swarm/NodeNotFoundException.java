package io.harbormaster.swarm;

/** The swarm has no node with that id (any more). */
public class NodeNotFoundException extends RuntimeException {
    public NodeNotFoundException(String nodeId, Throwable cause) {
        super("the swarm has no node " + nodeId, cause);
    }
}
