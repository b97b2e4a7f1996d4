package io.harbormaster.drain;

import java.time.Instant;
import java.util.Objects;

/** An accepted request to drain one worker node, and remove it (and its VM, when {@code deleteInstance}). */
public record DrainRequest(
        String requestId,
        String hostname,
        String nodeId,
        DrainReason reason,
        boolean deleteInstance,
        Instant deadline,
        Instant requestedAt) {

    public DrainRequest {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(requestedAt, "requestedAt");
    }
}
