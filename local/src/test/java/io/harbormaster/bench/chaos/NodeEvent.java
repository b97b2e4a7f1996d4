package io.harbormaster.bench.chaos;

/**
 * One node event of the manager ({@code docker events --filter type=node}): {@code action} create, update or remove;
 * {@code stateNew} the node's new state (ready, down, unknown) when the update changed it, else null.
 */
public record NodeEvent(long atMs, String id, String name, String action, String stateNew) {
}
