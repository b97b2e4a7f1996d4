package io.harbormaster.lifecycle;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Task;
import java.util.HashMap;
import java.util.Map;

/**
 * What each node has left to reserve: its resources less the reservations of the tasks placed on it that may still
 * hold a container, generic resources ({@code gpu}) included. A move's extra task must fit on its target, or swarm
 * would place it elsewhere or leave it pending: swarm's ResourceFilter (moby/swarmkit
 * {@code manager/scheduler/filter.go}) passes a node only with the CPU, the memory and, through
 * {@code genericresource.HasEnough}, every generic kind the task reserves still free.
 */
final class Headroom {
    private final Map<String, Resources> free;

    private Headroom(Map<String, Resources> free) {
        this.free = free;
    }

    static Headroom of(RebalanceView view) {
        Map<String, Resources> free = new HashMap<>();
        for (Node node : view.nodes()) {
            free.put(node.id(), node.resources());
        }
        for (Task task : view.tasks()) {
            if (task.nodeId() != null && task.live() && free.containsKey(task.nodeId())) {
                free.put(task.nodeId(), free.get(task.nodeId()).minus(task.reservations()));
            }
        }
        return new Headroom(free);
    }

    /** Whether one more task reserving {@code need} fits on the node. */
    boolean fits(Node node, Resources need) {
        return free.getOrDefault(node.id(), Resources.NONE).holds(need);
    }
}
