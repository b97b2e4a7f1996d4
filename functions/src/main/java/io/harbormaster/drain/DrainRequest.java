package io.harbormaster.drain;

import java.time.Instant;
import java.util.Objects;

/**
 * An accepted request to drain one worker node, and remove it (and its VM, when {@code deleteInstance}).
 * {@code instanceId} is the scale set instance resolved when the request was accepted, and the only one a drain
 * deletes; it is null for a request that deletes no instance, and for one recorded before instance ids were.
 */
public record DrainRequest(
        String requestId,
        String hostname,
        String nodeId,
        DrainReason reason,
        boolean deleteInstance,
        Instant deadline,
        Instant requestedAt,
        String instanceId) {

    public DrainRequest {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(requestedAt, "requestedAt");
    }

    /** A request with no recorded instance: one that deletes none, or one recorded before instance ids were. */
    public DrainRequest(String requestId, String hostname, String nodeId, DrainReason reason, boolean deleteInstance,
            Instant deadline, Instant requestedAt) {
        this(requestId, hostname, nodeId, reason, deleteInstance, deadline, requestedAt, null);
    }
}
