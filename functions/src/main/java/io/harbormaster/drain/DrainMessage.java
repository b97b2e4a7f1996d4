package io.harbormaster.drain;

/**
 * What goes on the {@code drain-requests} queue: which request, for which node, and the step it was sent for.
 * The status holds the rest, so a message stays small and a stale one is recognised by its step.
 */
public record DrainMessage(int version, String requestId, String hostname, long step) {
    public static final int CURRENT_VERSION = 1;

    public static DrainMessage of(String requestId, String hostname, long step) {
        return new DrainMessage(CURRENT_VERSION, requestId, hostname, step);
    }
}
