package io.harbormaster.swarm;

/** The node changed since it was read (Docker's "update out of sequence"); read it again and retry. */
public class NodeVersionConflictException extends RuntimeException {
    public NodeVersionConflictException(String nodeId, long version, Throwable cause) {
        super("node " + nodeId + " changed since version " + version, cause);
    }
}
