package io.harbormaster.swarm;

import java.time.Instant;

/**
 * One task of a service. {@code desiredState} is what the orchestrator wants, {@code state} what the node reports;
 * both are Docker's lower-case names (running, pending, shutdown, ...). {@code nodeId} is null while unassigned.
 */
public record Task(
        String id,
        String serviceId,
        String nodeId,
        String desiredState,
        String state,
        String message,
        Resources reservations,
        Instant updatedAt) {

    /** Not placed on a node yet: no node, or still pending (what the status lists as pending tasks). */
    public boolean unplaced() {
        return nodeId == null || "pending".equals(state);
    }

    public boolean desiredRunning() {
        return "running".equals(desiredState);
    }

    public boolean running() {
        return "running".equals(state);
    }

    /** The task may still hold a container on its node: anything short of a final state. */
    public boolean live() {
        return switch (state) {
            case "complete", "shutdown", "failed", "rejected", "remove", "orphaned" -> false;
            default -> true;
        };
    }
}
