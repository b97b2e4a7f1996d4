package io.harbormaster.swarm;

/** A service update based on a version that is no longer current: someone changed the service since it was read. */
public final class ServiceVersionConflictException extends RuntimeException {
    public ServiceVersionConflictException(String serviceId, long version, Throwable cause) {
        super("service " + serviceId + " changed since version " + version + " was read", cause);
    }
}
