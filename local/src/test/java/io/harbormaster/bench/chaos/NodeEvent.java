package io.harbormaster.bench.chaos;

/**
 * One node event of the manager ({@code docker events --filter type=node}): {@code action} create, update or remove;
 * {@code stateNew} the node's new state (ready, down, unknown) when the update changed it, else null;
 * {@code availabilityNew} its new availability (active, pause, drain) when the update changed that, else null.
 */
public record NodeEvent(long atMs, String id, String name, String action, String stateNew, String availabilityNew) {
    public NodeEvent(long atMs, String id, String name, String action, String stateNew) {
        this(atMs, id, name, action, stateNew, null);
    }
}
