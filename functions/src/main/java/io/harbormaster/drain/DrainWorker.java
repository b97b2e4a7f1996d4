package io.harbormaster.drain;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.scaleset.ScaleSetException;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.storage.DelayedQueue;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.NodeNotFoundException;
import io.harbormaster.swarm.NodeStillUpException;
import io.harbormaster.swarm.NodeVersionConflictException;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.ServiceVersionConflictException;
import io.harbormaster.swarm.Swarm;
import io.harbormaster.swarm.SwarmUnavailableException;
import io.harbormaster.swarm.Task;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * Runs one pass of a drain per queue message and, unless the drain is over, sends the follow-up message
 * instead of sleeping. Every pass is idempotent: it re-reads the swarm and acts on what it sees.
 */
public final class DrainWorker {
    private static final Logger LOG = Logger.getLogger(DrainWorker.class.getName());
    // Marking, deleting and removing are quick; a pass may do a few of them before it has to wait.
    private static final int MAX_ACTIONS_PER_PASS = 8;
    /**
     * For this long after the request, follow-ups are sent with no delay and come back as fast as the queue trigger
     * polls (100 ms to a few hundred while messages keep coming); later ones wait the check interval. Swarm usually
     * moves a node's tasks in a few seconds; a drain that lasts longer is waiting on something slow (an image pull,
     * a task that cannot move) and is not worth a pass every few hundred milliseconds.
     */
    static final Duration PROMPT_WINDOW = Duration.ofSeconds(20);

    /** What a pass did with its message. */
    public enum Outcome { CHECK_SCHEDULED, FINISHED, STALE, UNKNOWN_REQUEST }

    private final Swarm swarm;
    private final DrainStatusStore statuses;
    private final AuditTrail audit;
    private final DrainQueue queue;
    private final Optional<ScaleSet> scaleSet;
    private final DrainSettings settings;
    private final Clock clock;
    private final int maxAgents;
    /** The scale set's instances as last listed, for the outlook of stranded drains: passes come every few 100 ms. */
    private volatile Listed listed;

    private record Listed(Instant at, List<ScaleSetInstance> instances) {
    }

    /**
     * @param maxAgents the most agents the capacity check scales the scale set to (HARBORMASTER_CAPACITY_MAX_AGENTS);
     *     {@link Integer#MAX_VALUE} when none is known: a scale-out then always counts as possible, and no drain is
     *     stranded
     */
    public DrainWorker(Swarm swarm, DrainStatusStore statuses, DrainQueue queue, Optional<ScaleSet> scaleSet,
            DrainSettings settings, Clock clock, int maxAgents, AuditTrail audit) {
        this.audit = audit;
        this.swarm = swarm;
        this.statuses = statuses;
        this.queue = queue;
        this.scaleSet = scaleSet;
        this.settings = settings;
        this.clock = clock;
        this.maxAgents = maxAgents;
    }

    /**
     * Handles one delivery of a message. Throws only when the pass could not record its outcome (the status
     * store failed); the queue then delivers the message again.
     *
     * @throws IllegalArgumentException for a message this worker cannot read; it ends in the poison queue
     */
    public Outcome handle(String messageText, String messageId) {
        DrainMessage message = DrainCodec.message(messageText);
        Optional<DrainStatusStore.Stored> stored = statuses.read(message.hostname());
        if (stored.isEmpty() || !stored.get().status().request().requestId().equals(message.requestId())) {
            LOG.info("drain " + message.requestId() + " of " + message.hostname() + ": no such request (superseded); dropped");
            return Outcome.UNKNOWN_REQUEST;
        }
        DrainStatus status = stored.get().status();
        if (status.finished()) {
            return Outcome.STALE;
        }
        if (!DelayedQueue.accepts(message.step(), status.step(), messageId, status.claimedBy())) {
            LOG.fine("drain " + message.requestId() + ": message for step " + message.step() + " is stale (now " + status.step() + ")");
            return Outcome.STALE;
        }

        DrainStatus next = pass(status);
        Instant now = clock.instant();
        DrainStatus claimed = next.claimed(status.step() + 1, messageId, now);
        if (!statuses.replace(claimed, stored.get().etag())) {
            LOG.info("drain " + message.requestId() + ": another delivery advanced it first; dropped");
            return Outcome.STALE;
        }
        log(claimed);
        audit(status, claimed, now);
        if (claimed.finished()) {
            return Outcome.FINISHED;
        }
        queue.send(DrainMessage.of(message.requestId(), message.hostname(), claimed.step()), delayFor(claimed));
        return Outcome.CHECK_SCHEDULED;
    }

    /** Marks the drain of a message that exhausted its deliveries as failed. */
    public void giveUp(String messageText) {
        DrainMessage message;
        try {
            message = DrainCodec.lenientMessage(messageText);
        } catch (IllegalArgumentException e) {
            LOG.warning("poison drain message cannot be read (" + e.getMessage() + "); no status to mark failed");
            return;
        }
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<DrainStatusStore.Stored> stored = statuses.read(message.hostname());
            if (stored.isEmpty() || !stored.get().status().request().requestId().equals(message.requestId())
                    || stored.get().status().finished()) {
                return;
            }
            DrainStatus status = stored.get().status();
            String why = "gave up: every delivery of its message failed (host.json maxDequeueCount)"
                    + (status.lastError() == null ? "" : "; last error: " + status.lastError());
            DrainStatus failed = status.withFailure(why).claimed(status.step() + 1, null, clock.instant());
            if (statuses.replace(failed, stored.get().etag())) {
                log(failed);
                audit(status, failed, clock.instant());
                return;
            }
        }
    }

    private DrainStatus pass(DrainStatus status) {
        Instant now = clock.instant();
        try {
            DrainStatus current = status;
            for (int i = 0; i < MAX_ACTIONS_PER_PASS; i++) {
                DrainDecision decision = DrainProgress.next(current, snapshot(current), clock.instant(), settings.leaveTimeout());
                current = decision.status();
                DrainAction action = decision.action();
                if (action instanceof DrainAction.MarkNode mark) {
                    markNode(mark);
                } else if (action instanceof DrainAction.Reactivate reactivate) {
                    reactivate(current, reactivate);
                } else if (action instanceof DrainAction.DeleteInstance delete) {
                    if (status.drainedAt() == null && current.drainedAt() != null) {
                        // "drained" goes on record before the delete: with terminate notifications on, Azure holds the
                        // delete until the agent's watcher approves, and the watcher approves once it reads "drained".
                        return current.withLastError(null, null);
                    }
                    current = deleteInstance(current, delete.hostname());
                } else if (action instanceof DrainAction.DeallocateInstance) {
                    if (status.drainedAt() == null && current.drainedAt() != null) {
                        // "drained" on record first: the VM's shutdown hook leaves the swarm once it reads it.
                        return current.withLastError(null, null);
                    }
                    current = deallocateInstance(current);
                } else if (action instanceof DrainAction.RemoveNode remove) {
                    removeNode(current, remove);
                } else if (action instanceof DrainAction.ScaleService scale) {
                    scaleService(current, scale);
                } else if (action instanceof DrainAction.Record) {
                    // On record first; the follow-up, sent at once, acts on it.
                    return current.withLastError(null, null);
                } else {
                    // CheckAgain or Finish: this pass is over, and it reached the swarm.
                    return current.withLastError(null, null);
                }
                if (current.finished()) {
                    return current;
                }
            }
            return current;
        } catch (SwarmUnavailableException e) {
            return retryLater(status, "no swarm manager answered: " + e.getMessage(), now);
        } catch (ScaleSetException e) {
            if (!e.retryable()) {
                return status.withFailure("the scale set refused to delete the instance: " + e.getMessage());
            }
            return retryLater(status, "scale set: " + e.getMessage(), now);
        }
    }

    private DrainSnapshot snapshot(DrainStatus status) {
        String nodeId = status.request().nodeId();
        Optional<Node> node = swarm.node(nodeId);
        // Services are read only when a surge may be planned (the node is not drained by us yet) or is outstanding.
        boolean surgeMatters = status.surgeOutstanding() || node.isPresent()
                && (node.get().availability() != Node.Availability.DRAIN
                        || !status.request().requestId().equals(node.get().labels().get(DrainProgress.REQUEST_LABEL)));
        List<Service> services = surgeMatters ? swarm.services() : List.of();
        if (node.isEmpty()) {
            return new DrainSnapshot(node, List.of(), List.of(), services);
        }
        List<Task> onNode = swarm.tasksOnNode(nodeId);
        Set<String> serviceIds = new TreeSet<>(DrainProgress.servicesOf(onNode));
        status.surge().forEach(entry -> serviceIds.add(entry.serviceId()));
        DrainSnapshot seen = new DrainSnapshot(node, onNode, swarm.desiredRunningTasks(serviceIds), services);
        if (!Stranding.worthAsking(status, seen)) {
            return seen;
        }
        return new DrainSnapshot(node, onNode, seen.servicesDesiredRunning(), services, outlook(status));
    }

    /** The scale set's outlook for a drain that may be stranded; empty when the scale set did not answer (wait then). */
    private Optional<ScaleOutOutlook> outlook(DrainStatus status) {
        if (scaleSet.isEmpty()) {
            return Optional.of(ScaleOutOutlook.withoutScaleSet());
        }
        Instant now = clock.instant();
        Listed last = listed;
        if (last == null || !now.isBefore(last.at().plus(settings.checkInterval()))) {
            try {
                last = new Listed(now, scaleSet.get().instances());
            } catch (ScaleSetException e) {
                LOG.info("drain " + status.request().requestId() + ": the scale set's instances could not be listed ("
                        + e.getMessage() + "); not judging whether the drain is stranded this pass");
                return Optional.empty();
            }
            listed = last;
        }
        return Optional.of(ScaleOutOutlook.of(last.instances(), swarm.nodes(), status.request().hostname(), maxAgents));
    }

    private void scaleService(DrainStatus status, DrainAction.ScaleService scale) {
        try {
            swarm.setReplicas(scale.service(), scale.replicas());
            LOG.info("drain " + status.request().requestId() + " of " + status.request().hostname() + ": service "
                    + scale.service().name() + " (" + scale.service().id() + ") scaled from " + scale.service().replicas()
                    + " to " + scale.replicas() + " replicas (surge)");
        } catch (ServiceVersionConflictException | IllegalArgumentException e) {
            // Changed or gone since it was read: the next decision reads it again.
            LOG.fine(e.getMessage());
        }
    }

    private void markNode(DrainAction.MarkNode mark) {
        try {
            swarm.updateNode(mark.node(), mark.availability(), mark.labels());
        } catch (NodeVersionConflictException | NodeNotFoundException e) {
            // The next decision reads the node again: a newer version, or gone.
            LOG.fine(e.getMessage());
        }
    }

    private void reactivate(DrainStatus status, DrainAction.Reactivate reactivate) {
        try {
            swarm.updateNode(reactivate.node(), Node.Availability.ACTIVE, reactivate.labels());
            LOG.info("drain " + status.request().requestId() + " of " + status.request().hostname() + " ("
                    + status.request().reason().wireName() + ") passed its deadline " + status.request().deadline()
                    + " with " + status.tasksRemaining() + " tasks remaining and " + status.replacementsPending()
                    + " replacements pending: the node is active again and its instance kept (only shutdown and"
                    + " terminate drains proceed past their deadline)");
        } catch (NodeVersionConflictException | NodeNotFoundException e) {
            // The next decision reads the node again: a newer version, or gone.
            LOG.fine(e.getMessage());
        }
    }

    /**
     * Deletes the instance recorded with the request, never one found by name now: the name may have passed to a new
     * VM since. A status recorded before instance ids were falls back to the instance named as the node, behind the
     * same guard. The guard: no live node other than the drained one carries the instance's computer name; if one
     * does, a VM took that name and is in the swarm, so nothing is deleted and the drain fails.
     */
    private DrainStatus deleteInstance(DrainStatus status, String hostname) {
        ScaleSet set = scaleSet.orElseThrow(() -> new ScaleSetException(
                "deleteInstance was requested but no scale set is configured", false, null));
        DrainRequest request = status.request();
        String recorded = request.instanceId();
        Optional<ScaleSetInstance> instance = set.instances().stream()
                .filter(candidate -> recorded != null
                        ? recorded.equals(candidate.instanceId())
                        : hostname.equalsIgnoreCase(candidate.computerName()))
                .findFirst();
        if (instance.isEmpty()) {
            LOG.info("drain " + request.requestId() + ": no instance " + (recorded != null ? recorded : "named " + hostname)
                    + "; already deleted");
            return status.withInstanceDeleted();
        }
        // Without a reported computer name, the name the node had is the one a rejoined VM would carry.
        String computerName = instance.get().computerName() != null ? instance.get().computerName() : hostname;
        Optional<Node> other = swarm.nodes().stream()
                .filter(node -> node.state() == Node.State.READY && !node.id().equals(request.nodeId())
                        && computerName.equalsIgnoreCase(node.hostname()))
                .findFirst();
        if (other.isPresent()) {
            return status.withFailure("instance " + instance.get().instanceId() + " was not deleted: its computer name "
                    + computerName + " is carried by live node " + other.get().id() + ", not by the drained node "
                    + request.nodeId() + " (a new VM took the name)");
        }
        set.deleteInstances(List.of(instance.get().instanceId()));
        LOG.info("drain " + request.requestId() + ": deleted instance " + instance.get().instanceId()
                + " (" + computerName + ")");
        return status.withInstanceDeleted();
    }

    /**
     * Starts deallocating the instance recorded with the request (never one found by name now), and does not wait:
     * the next passes remove the node once it is down or the instance reads deallocated.
     */
    private DrainStatus deallocateInstance(DrainStatus status) {
        ScaleSet set = scaleSet.orElseThrow(() -> new ScaleSetException(
                "deallocation was requested but no scale set is configured", false, null));
        DrainRequest request = status.request();
        if (request.instanceId() == null) {
            return status.withFailure("no instance was recorded with the request, so none is deallocated");
        }
        set.beginDeallocate(List.of(request.instanceId()));
        LOG.info("drain " + request.requestId() + ": deallocating instance " + request.instanceId() + " ("
                + request.hostname() + "); it stays in the scale set, warm");
        return status.withInstanceDeallocated();
    }

    private void removeNode(DrainStatus status, DrainAction.RemoveNode remove) {
        String requestId = status.request().requestId();
        try {
            switch (remove.because()) {
                case DOWN -> swarm.removeNode(remove.nodeId());
                case LEAVING -> {
                    swarm.forceRemoveNode(remove.nodeId());
                    LOG.info("drain " + requestId + ": node " + remove.nodeId() + " removed: it is drained and its VM"
                            + " is shutting down, so it leaves anyway");
                }
                case INSTANCE_DEALLOCATED -> {
                    if (deallocated(status.request().instanceId())) {
                        swarm.forceRemoveNode(remove.nodeId());
                        LOG.info("drain " + requestId + ": node " + remove.nodeId() + " removed by force: its instance "
                                + status.request().instanceId() + " is deallocated, so it cannot be live");
                    } else {
                        // Still shutting down: removed the ordinary way once the managers see it down.
                        swarm.removeNode(remove.nodeId());
                    }
                }
                case INSTANCE_DELETED -> {
                    if (stillListed(status.request().instanceId())) {
                        // A delete can come back done while Azure only holds it (an instance under a pending Terminate
                        // is "being deleted"): the VM still runs, so the node may be live. Removed the ordinary way,
                        // or later.
                        swarm.removeNode(remove.nodeId());
                    } else {
                        swarm.forceRemoveNode(remove.nodeId());
                        LOG.info("drain " + requestId + ": node " + remove.nodeId() + " removed by force: its instance "
                                + status.request().instanceId() + " is deleted, so it cannot be live");
                    }
                }
            }
        } catch (NodeNotFoundException | NodeStillUpException e) {
            // Gone is what we wanted; back up again is seen by the next decision.
            LOG.fine(e.getMessage());
        }
    }

    /**
     * Whether the scale set reports the instance deallocated, from a listing at most a check interval old: passes come
     * every few 100 ms while the VM shuts down, and its node usually goes down (left) before Azure reports it.
     */
    private boolean deallocated(String instanceId) {
        if (instanceId == null || scaleSet.isEmpty()) {
            return false;
        }
        Instant now = clock.instant();
        Listed last = listed;
        if (last == null || !now.isBefore(last.at().plus(settings.checkInterval()))) {
            last = new Listed(now, scaleSet.get().instances());
            listed = last;
        }
        return last.instances().stream().anyMatch(instance -> instance.instanceId().equals(instanceId)
                && instance.powerState() == ScaleSetInstance.PowerState.DEALLOCATED);
    }

    /** Whether the scale set still lists the instance (seen in chaos scenario i: a node force-removed while its VM ran). */
    private boolean stillListed(String instanceId) {
        return instanceId != null && scaleSet.map(set -> set.instances().stream()
                .anyMatch(instance -> instance.instanceId().equals(instanceId))).orElse(false);
    }

    private DrainStatus retryLater(DrainStatus status, String error, Instant now) {
        Instant since = status.unreachableSince() == null ? now : status.unreachableSince();
        if (!now.isBefore(since.plus(settings.unreachableTimeout()))) {
            return status.withLastError(error, since)
                    .withFailure("unreachable for " + settings.unreachableTimeout().toSeconds() + " s: " + error);
        }
        return status.withLastError(error, since);
    }

    private Duration delayFor(DrainStatus status) {
        if (status.unreachableSince() == null) {
            if (status.drainedAt() != null && (status.request().deleteInstance() && !status.instanceDeleted()
                    || status.request().deallocateInstance() && !status.instanceDeallocated())) {
                // Drained and on record: the next pass deletes the instance, with nothing to wait for.
                return Duration.ZERO;
            }
            if (status.surge().stream().anyMatch(entry -> entry.phase() == SurgeEntry.Phase.PLANNED)) {
                // A surge just went on record: the next pass scales, with nothing to wait for.
                return Duration.ZERO;
            }
            if (clock.instant().isBefore(status.request().requestedAt().plus(PROMPT_WINDOW))) {
                // Swarm moves tasks within seconds: look again as soon as the queue hands the message back, so
                // "drained" is on record when it becomes true, not up to a check interval (in whole seconds) later.
                return Duration.ZERO;
            }
            return settings.checkInterval();
        }
        // Back off while something is unreachable, but keep looking often enough to resume promptly.
        return settings.checkInterval().multipliedBy(2);
    }

    /** The audit trail's view of one pass: the state it moved the drain to, and the instance it deleted. */
    private void audit(DrainStatus before, DrainStatus after, Instant now) {
        DrainRequest request = after.request();
        if (after.state() != before.state()) {
            String why = after.failure() != null ? after.failure()
                    : after.state() == DrainState.STRANDED && after.stranded() != null ? after.stranded()
                    : request.reason().wireName();
            audit.record(AuditEvent.of(now, AuditKind.DRAIN_STATE, request.hostname(), why,
                    "requestId", request.requestId(), "nodeId", request.nodeId(), "from", before.state().wireName(),
                    "to", after.state().wireName(), "tasksRemaining", Integer.toString(after.tasksRemaining()),
                    "timedOut", after.timedOut() ? "true" : null, "finished", after.finished() ? "true" : null,
                    "reason", request.reason().wireName(), "requestedAt", request.requestedAt().toString()));
        }
        if (after.instanceDeallocated() && !before.instanceDeallocated()) {
            audit.record(AuditEvent.of(now, AuditKind.INSTANCE_POWER, request.hostname(),
                    "its drain (" + request.reason().wireName() + ") deallocates its instance, kept warm",
                    "requestId", request.requestId(), "instanceId", request.instanceId(), "instanceEnd", "deallocate"));
        }
        if (after.instanceDeleted() && !before.instanceDeleted()) {
            audit.record(AuditEvent.of(now, AuditKind.INSTANCE_DELETED, request.hostname(),
                    "its drain (" + request.reason().wireName() + ") asked for it and the node is " + after.state().wireName(),
                    "requestId", request.requestId(), "instanceId", request.instanceId()));
        }
    }

    private static void log(DrainStatus status) {
        LOG.info("drain " + status.request().requestId() + " of " + status.request().hostname() + ": " + status.state().wireName()
                + (status.finished() ? " (finished)" : "")
                + ", tasks remaining " + status.tasksRemaining() + ", replacements pending " + status.replacementsPending()
                + (status.state() == DrainState.STRANDED && status.stranded() != null ? ": " + status.stranded() : "")
                + (status.lastError() == null ? "" : ", retrying after: " + status.lastError())
                + (status.failure() == null ? "" : ", failure: " + status.failure()));
    }
}
