package io.harbormaster.capacity;

import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Nodes draining for scale-in whose instances still exist: capacity that only needs a word to come back, sooner than
 * a new agent could join. The most recently drained first; a node whose instance is being deleted is past the point
 * of return.
 */
final class ReactivationRule {
    private ReactivationRule() {
    }

    /** A node that could be reactivated, with the room it would offer pending tasks. */
    record Reactivation(Node node, DrainStatus status, Resources room) {
    }

    /** The candidates in the order the scale-out fills them. */
    record Candidates(List<Reactivation> candidates, List<Note> notes) implements RuleOutcome {
        Candidates {
            candidates = List.copyOf(candidates);
            notes = List.copyOf(notes);
        }
    }

    static Candidates find(PlanningContext context) {
        ClusterIndex index = context.index();
        List<Reactivation> candidates = new ArrayList<>();
        List<Note> notes = new ArrayList<>();
        for (Node node : context.snapshot().nodes()) {
            DrainStatus status = index.drain(node.labels().get(DrainProgress.REQUEST_LABEL));
            if (status == null || node.availability() != Node.Availability.DRAIN || node.state() != Node.State.READY
                    || status.request().reason() != DrainReason.SCALE_IN || status.instanceDeleted()
                    || status.state() == DrainState.REMOVED || index.instanceOf(node) == null) {
                continue;
            }
            if (status.request().deallocateInstance() && (status.state() == DrainState.DRAINED
                    || status.instanceDeallocated() || PlanningContext.stopped(index.instanceOf(node)))) {
                // As with a delete: "drained" is recorded just before the deallocation is sent, and a VM shutting
                // down would take the tasks put on it with it. Once deallocated it is warm, and a scale-out starts it.
                notes.add(new Note("drains past the point of return", node.hostname() + " is drained for scale-in and its"
                        + " instance is being deallocated: not reactivated"));
                continue;
            }
            if (status.request().deleteInstance() && status.state() == DrainState.DRAINED
                    || "Deleting".equalsIgnoreCase(index.instanceOf(node).provisioningState())) {
                // The worker records "drained" just before it asks ARM to delete the instance, and a delete once
                // sent is not called back: tasks put on the node now would lose it again (seen in the chaos run).
                notes.add(new Note("drains past the point of return", node.hostname() + " is drained for scale-in and its"
                        + " instance is being deleted: not reactivated"));
                continue;
            }
            candidates.add(new Reactivation(node, status, roomAfterReactivation(context, node)));
        }
        candidates.sort(Comparator.comparing((Reactivation r) -> r.status().request().requestedAt()).reversed()
                .thenComparing(r -> r.node().hostname()));
        return new Candidates(candidates, notes);
    }

    /** Its free room less one task of every global service that would start on it again. */
    private static Resources roomAfterReactivation(PlanningContext context, Node node) {
        ClusterIndex index = context.index();
        Resources room = index.free(node);
        Set<String> globalsOnNode = new HashSet<>();
        for (Task task : index.tasksOn(node)) {
            globalsOnNode.add(task.serviceId());
        }
        for (Service service : context.snapshot().services()) {
            if (service.global() && !globalsOnNode.contains(service.id()) && index.placement(service.id()).allows(node)) {
                room = room.minus(service.reservations());
            }
        }
        java.util.Map<String, Long> generic = new java.util.HashMap<>();
        room.generic().forEach((kind, count) -> generic.put(kind, Math.max(0, count)));
        return new Resources(Math.max(0, room.nanoCpus()), Math.max(0, room.memoryBytes()), generic);
    }
}
