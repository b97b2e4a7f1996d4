package io.harbormaster.drain;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The drain state machine as a pure function: a status and a snapshot in, the next action out. */
public final class DrainProgress {
    /** The node label that marks a drain as ours, naming the request, so a half-done drain can be found. */
    public static final String REQUEST_LABEL = "io.harbormaster.drain-request";

    private DrainProgress() {
    }

    public static DrainDecision next(DrainStatus status, DrainSnapshot snapshot, Instant now, Duration leaveTimeout) {
        DrainRequest request = status.request();
        if (status.state() == DrainState.REACTIVATED) {
            return reactivate(status, snapshot);
        }
        if (snapshot.node().isEmpty()) {
            SurgeDrain.Step restored = SurgeDrain.restore(status, snapshot.services());
            if (restored.action() != null) {
                return new DrainDecision(restored.status(), restored.action());
            }
            status = restored.status();
            // Gone already counts as success, and as drained: nothing of ours runs on a node that left. What is left is
            // the instance, when that was asked for; "drained" goes on record before that delete, which a terminate
            // notification holds until an agent's watcher reads drained (or removed) for every VM of the event.
            DrainStatus gone = status.withCounts(0, 0).withDrainedAt(Objects.requireNonNullElse(status.drainedAt(), now));
            if (request.deleteInstance() && !status.instanceDeleted()) {
                return new DrainDecision(gone.withState(DrainState.DRAINED, false),
                        new DrainAction.DeleteInstance(request.hostname()));
            }
            if (request.deallocateInstance() && !status.instanceDeallocated()) {
                return new DrainDecision(gone.withState(DrainState.DRAINED, false),
                        new DrainAction.DeallocateInstance(request.hostname()));
            }
            return new DrainDecision(gone.withState(DrainState.REMOVED, true), new DrainAction.Finish());
        }
        Node node = snapshot.node().get();
        boolean ours = request.requestId().equals(node.labels().get(REQUEST_LABEL));
        if (node.availability() != Node.Availability.DRAIN || !ours) {
            Map<String, String> labels = new HashMap<>(node.labels());
            labels.put(REQUEST_LABEL, request.requestId());
            if (status.surge().isEmpty()) {
                List<SurgeEntry> plan = SurgeDrain.plan(node.id(), snapshot.tasksOnNode(), snapshot.services());
                if (!plan.isEmpty()) {
                    // On record before any service is touched: whoever scales it back reads the original count here.
                    return new DrainDecision(status.withSurge(plan).withState(DrainState.DRAINING, false),
                            new DrainAction.Record());
                }
                return new DrainDecision(status, new DrainAction.MarkNode(node, labels));
            }
            if (node.availability() == Node.Availability.ACTIVE || !ours) {
                // Paused, the node keeps its replicas running and gets none of the surge's new ones.
                return new DrainDecision(status, new DrainAction.MarkNode(node, labels, Node.Availability.PAUSE));
            }
            SurgeDrain.Step scaled = SurgeDrain.scaleUp(status, snapshot.services());
            if (scaled.action() != null) {
                return new DrainDecision(scaled.status(), scaled.action());
            }
            status = scaled.status();
            if (!SurgeDrain.replicasRunElsewhere(status, node.id(), snapshot.servicesDesiredRunning())
                    && now.isBefore(request.deadline())) {
                return new DrainDecision(status.withState(DrainState.DRAINING, false), new DrainAction.CheckAgain());
            }
            // The surge runs (or the deadline passed, and the drain goes on as swarm's own would).
            return new DrainDecision(status, new DrainAction.MarkNode(node, labels));
        }

        // A down node runs nothing swarm counts on: swarm starts its replicas elsewhere, and the pending count below waits
        // for those. Counting its tasks as remaining would hold the drain until its deadline, and the down node with it
        // (seen in the chaos run: a Terminate drain of a node whose instance another drain had deleted).
        int remaining = tasksRemaining(node, snapshot.tasksOnNode());
        // Replacements still starting elsewhere: the node's tasks do not "run elsewhere" until these run.
        List<Task> waitingFor = replacementsPending(snapshot, node);
        int pending = waitingFor.size();
        DrainStatus counted = status.withCounts(remaining, pending);
        Optional<String> stranded = Optional.empty();
        if (remaining > 0 || pending > 0) {
            // Once stranded, it stays so until the replacements run: the agent may have acted on it already.
            stranded = remaining == 0 && status.state() == DrainState.STRANDED && status.stranded() != null
                    ? Optional.of(status.stranded())
                    : Stranding.why(request, remaining, waitingFor, snapshot.outlook());
            if (now.isBefore(request.deadline()) && stranded.isEmpty()) {
                return new DrainDecision(counted.withStranded(null).withState(DrainState.DRAINING, false),
                        new DrainAction.CheckAgain());
            }
            if (!now.isBefore(request.deadline())) {
                counted = counted.timedOut() ? counted : counted.withTimedOut();
            }
        }
        counted = counted.withStranded(stranded.orElse(null));
        // The node's replicas of surge services run elsewhere (or never will): back to the recorded counts first.
        SurgeDrain.Step restored = SurgeDrain.restore(counted, snapshot.services());
        if (restored.action() != null) {
            return new DrainDecision(restored.status().withState(DrainState.DRAINING, false), restored.action());
        }
        counted = restored.status();
        if ((remaining > 0 || pending > 0) && stranded.isEmpty()) {
            if (keepsNodePastDeadline(counted)) {
                // Whatever is still there could not move (a local volume, a host-mode port) or no other node took it:
                // deleting the VM would take it down with it. Only the VM's own end justifies that.
                return reactivate(counted.withState(DrainState.REACTIVATED, false), snapshot);
            }
        }

        DrainStatus drained = counted
                .withState(stranded.isPresent() ? DrainState.STRANDED
                        : counted.timedOut() ? DrainState.TIMED_OUT : DrainState.DRAINED, false)
                .withDrainedAt(Objects.requireNonNullElse(counted.drainedAt(), now));
        if (request.deleteInstance() && !drained.instanceDeleted()) {
            return new DrainDecision(drained, new DrainAction.DeleteInstance(request.hostname()));
        }
        if (request.deallocateInstance() && !drained.instanceDeallocated()) {
            // Deallocated before the node is removed: the VM's shutdown hook asks for its drain, reads this one
            // drained and leaves the swarm, so the node goes down on its own. Removed first, the VM would shut down
            // as a node the swarm no longer knows, and its hook would wait its whole bound for a drain it cannot get.
            return new DrainDecision(drained, new DrainAction.DeallocateInstance(request.hostname()));
        }
        if (node.state() == Node.State.DOWN) {
            return new DrainDecision(drained, new DrainAction.RemoveNode(node.id()));
        }
        if (request.reason() == DrainReason.SHUTDOWN && drained.state() == DrainState.DRAINED) {
            // A shutdown drain says the VM is going down and its agent leaves the swarm once it reads drained. Its own
            // leave takes about 5 s and the managers notice it about 6 s later (measured by bench/drain.sh); nothing
            // runs on it now, so it is removed at once. Stranded and timed-out drains still hold tasks: those wait for
            // the node to go down, as swarm would.
            return new DrainDecision(drained,
                    new DrainAction.RemoveNode(node.id(), DrainAction.RemoveNode.Because.LEAVING));
        }
        if (request.deleteInstance() && request.instanceId() != null) {
            // The recorded instance is deleted (the delete returns once Azure has finished it), so this node can no
            // longer run anything: removing it now spares swarm's heartbeat timeout. Without a recorded id the
            // instance was looked up by name, and a node of no instance at all might still be live.
            return new DrainDecision(drained,
                    new DrainAction.RemoveNode(node.id(), DrainAction.RemoveNode.Because.INSTANCE_DELETED));
        }
        if (request.deallocateInstance() && drained.instanceDeallocated()) {
            // Not bounded by the leave timeout: the node goes once Azure has deallocated the VM, which takes minutes.
            return new DrainDecision(drained,
                    new DrainAction.RemoveNode(node.id(), DrainAction.RemoveNode.Because.INSTANCE_DEALLOCATED));
        }
        if (!now.isBefore(drained.drainedAt().plus(leaveTimeout))) {
            // Still up: never force-remove a live node. The drain itself is done; say so and stop looking.
            return new DrainDecision(drained.withState(drained.state(), true), new DrainAction.Finish());
        }
        return new DrainDecision(drained, new DrainAction.CheckAgain());
    }

    /**
     * Whether a drain past its deadline gives the node back rather than proceed. Shutdown and terminate drains go on,
     * because that VM goes anyway; scale-in and manual ones stop, because their VM goes only if the drain takes it.
     * A drain that deleted the instance already (recorded before this rule) has nothing left to keep.
     */
    private static boolean keepsNodePastDeadline(DrainStatus status) {
        DrainReason reason = status.request().reason();
        return (reason == DrainReason.SCALE_IN || reason == DrainReason.MANUAL) && !status.instanceDeleted()
                && !status.instanceDeallocated();
    }

    /** Sets the node active again until it no longer carries our label; then the drain is over. */
    private static DrainDecision reactivate(DrainStatus status, DrainSnapshot snapshot) {
        SurgeDrain.Step restored = SurgeDrain.restore(status, snapshot.services());
        if (restored.action() != null) {
            return new DrainDecision(restored.status(), restored.action());
        }
        status = restored.status();
        Node node = snapshot.node().orElse(null);
        if (node == null || !status.request().requestId().equals(node.labels().get(REQUEST_LABEL))) {
            // Our update landed (it drops the label with the drain), or someone removed or took over the node since.
            return new DrainDecision(status.withState(DrainState.REACTIVATED, true), new DrainAction.Finish());
        }
        Map<String, String> labels = new HashMap<>(node.labels());
        labels.remove(REQUEST_LABEL);
        return new DrainDecision(status, new DrainAction.Reactivate(node, labels));
    }

    /** The node's tasks that still run or are still to stop; none on a down node (see {@link #next}). */
    static int tasksRemaining(Node node, List<Task> tasksOnNode) {
        return node.state() == Node.State.DOWN ? 0
                : (int) tasksOnNode.stream().filter(task -> task.desiredRunning() || task.live()).count();
    }

    /** The node's replacements that do not run yet: tasks of its services, desired running, not running, not on it. */
    static List<Task> replacementsPending(DrainSnapshot snapshot, Node node) {
        return snapshot.servicesDesiredRunning().stream()
                .filter(task -> !task.running() && !Objects.equals(task.nodeId(), node.id()))
                .toList();
    }

    /** The set of services whose running tasks tell whether the node's tasks run elsewhere. */
    static Set<String> servicesOf(List<Task> tasksOnNode) {
        Set<String> services = new TreeSet<>();
        for (Task task : tasksOnNode) {
            if (task.serviceId() != null) {
                services.add(task.serviceId());
            }
        }
        return services;
    }
}
