package io.harbormaster.drain;

import java.time.Instant;
import java.util.Objects;

/**
 * An accepted request to drain one worker node, and remove it; then its VM is deleted or deallocated as
 * {@code instanceEnd} says. {@code instanceId} is the scale set instance resolved when the request was accepted, and
 * the only one a drain deletes or deallocates; it is null for a request that keeps its instance, and for one recorded
 * before instance ids were.
 */
public record DrainRequest(
        String requestId,
        String hostname,
        String nodeId,
        DrainReason reason,
        InstanceEnd instanceEnd,
        Instant deadline,
        Instant requestedAt,
        String instanceId) {

    public DrainRequest {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(instanceEnd, "instanceEnd");
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(requestedAt, "requestedAt");
    }

    /** A request that deletes its instance, or keeps it. */
    public DrainRequest(String requestId, String hostname, String nodeId, DrainReason reason, boolean deleteInstance,
            Instant deadline, Instant requestedAt, String instanceId) {
        this(requestId, hostname, nodeId, reason, InstanceEnd.of(deleteInstance), deadline, requestedAt, instanceId);
    }

    /** Whether the drain deletes the node's instance at its end. */
    public boolean deleteInstance() {
        return instanceEnd == InstanceEnd.DELETE;
    }

    /** Whether the drain deallocates the node's instance at its end, keeping it warm. */
    public boolean deallocateInstance() {
        return instanceEnd == InstanceEnd.DEALLOCATE;
    }

    /** A request with no recorded instance: one that deletes none, or one recorded before instance ids were. */
    public DrainRequest(String requestId, String hostname, String nodeId, DrainReason reason, boolean deleteInstance,
            Instant deadline, Instant requestedAt) {
        this(requestId, hostname, nodeId, reason, deleteInstance, deadline, requestedAt, null);
    }
}
