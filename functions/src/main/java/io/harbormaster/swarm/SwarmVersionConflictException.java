package io.harbormaster.swarm;

/** The swarm's spec changed after it was read (another app instance rotated, or an operator updated it). */
public class SwarmVersionConflictException extends RuntimeException {
    public SwarmVersionConflictException(long version, Throwable cause) {
        super("the swarm spec is no longer at version " + version, cause);
    }
}
