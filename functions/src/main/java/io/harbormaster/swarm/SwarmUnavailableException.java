package io.harbormaster.swarm;

/** No configured manager answered as a swarm manager; worth retrying later. */
public class SwarmUnavailableException extends RuntimeException {
    public SwarmUnavailableException(String message) {
        super(message);
    }
}
