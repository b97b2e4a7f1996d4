package io.harbormaster.swarm;

/** A manager answered, but it is not part of an initialised swarm yet. */
public class SwarmNotInitializedException extends SwarmUnavailableException {
    public SwarmNotInitializedException(String message) {
        super(message);
    }
}
