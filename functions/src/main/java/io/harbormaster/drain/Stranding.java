package io.harbormaster.drain;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Task;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * When a leaving VM's tasks have nowhere to go. A shutdown, terminate or preempt drain waits for the replacements of the
 * node's tasks to run, so that whoever waits on it (the agent's shutdown, a Terminate's approval) lets the VM go only
 * once they do. When swarm has tried and placed them nowhere (no node with room, or none that fits their constraints)
 * and no room can come (the scale set is at its maximum and no agent is on the way), waiting gains nothing: the VM goes
 * anyway, and until it does its own tasks are down already. The drain then says so (state {@code stranded}) and ends
 * its wait.
 */
final class Stranding {
    /** What swarm's scheduler writes on a task it found no node for. */
    private static final String NO_SUITABLE_NODE = "no suitable node";

    private Stranding() {
    }

    /** Whether the VM goes whatever the drain does: only then is there nothing to wait for. */
    static boolean vmGoesAnyway(DrainReason reason) {
        return reason == DrainReason.SHUTDOWN || reason == DrainReason.TERMINATE_NOTIFICATION
                || reason == DrainReason.PREEMPT;
    }

    /** Whether swarm tried to place this replacement and found no node: unassigned, with its scheduler's error. */
    static boolean unplaced(Task task) {
        return (task.nodeId() == null || task.nodeId().isEmpty()) && task.message() != null
                && task.message().toLowerCase(Locale.ROOT).contains(NO_SUITABLE_NODE);
    }

    /**
     * Whether the scale set's outlook would decide anything now, so that it is read (one ARM call) only then: a drain of
     * a VM that goes anyway, not stranded yet, whose node is set to drain by it, has no task left, and whose pending
     * replacements swarm has all tried and placed nowhere.
     */
    static boolean worthAsking(DrainStatus status, DrainSnapshot snapshot) {
        if (!vmGoesAnyway(status.request().reason()) || status.state() == DrainState.STRANDED
                || snapshot.node().isEmpty()) {
            return false;
        }
        Node node = snapshot.node().get();
        if (node.availability() != Node.Availability.DRAIN
                || !status.request().requestId().equals(node.labels().get(DrainProgress.REQUEST_LABEL))
                || DrainProgress.tasksRemaining(node, snapshot.tasksOnNode()) > 0) {
            return false;
        }
        List<Task> pending = DrainProgress.replacementsPending(snapshot, node);
        return !pending.isEmpty() && pending.stream().allMatch(Stranding::unplaced);
    }

    /**
     * Why the drain is stranded, or empty while waiting may still help: a task left on the node (still stopping), a
     * replacement swarm has not tried yet or has placed, or room that may come.
     *
     * @param pending the replacements not running yet
     * @param outlook the scale set's outlook; empty when it was not read (nothing to judge then)
     */
    static Optional<String> why(DrainRequest request, int remaining, List<Task> pending, Optional<ScaleOutOutlook> outlook) {
        if (!vmGoesAnyway(request.reason()) || remaining > 0 || pending.isEmpty() || outlook.isEmpty()
                || !pending.stream().allMatch(Stranding::unplaced) || outlook.get().roomMayCome()) {
            return Optional.empty();
        }
        TreeSet<String> errors = new TreeSet<>();
        pending.forEach(task -> errors.add(task.message()));
        return Optional.of(pending.size() + (pending.size() == 1 ? " replacement" : " replacements")
                + " of the node's tasks could not be placed (swarm: " + String.join("; ", errors) + ") and no room can"
                + " come: " + outlook.get().seen() + ". The VM goes anyway (" + request.reason().wireName() + "), so the"
                + " drain stops waiting: swarm places them when room appears");
    }
}
