package io.harbormaster.capacity;

import io.harbormaster.audit.AuditTrail;
import io.harbormaster.drain.DrainOrder;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.drain.DrainStatusStore;
import io.harbormaster.scaleset.PoolScaleSets;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.scaleset.ScaleSetConflictException;
import io.harbormaster.scaleset.ScaleSetException;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.NodeNotFoundException;
import io.harbormaster.swarm.NodeStillUpException;
import io.harbormaster.swarm.NodeVersionConflictException;
import io.harbormaster.swarm.Swarm;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * One pool's part of a capacity check, once the fleet is planned ({@link CapacityCheck}): it looks at the ARM
 * operations earlier checks started, holds back what the pause or an operation under way forbids, records what it is
 * about to do in the pool's history, does it without waiting on ARM, records the audit events and writes the pool's
 * next history, each write conditional on the version read and made only while the lease is still the check's.
 */
final class PoolExecution {
    // The check's logger: operators follow a check's lines, whichever pool they are about, under one name.
    private static final Logger LOG = Logger.getLogger(CapacityCheck.class.getName());

    /**
     * What the pool's part did.
     *
     * @param done the actions carried out; {@code failed} those that failed, with why; {@code withheld} those held back
     *             this check, with why: each line naming the pool when the fleet has several
     * @param skipped why the rest of the check is skipped (the lease was lost), or null
     */
    record Result(List<String> done, List<String> failed, List<String> withheld, String skipped) {
        Result {
            done = List.copyOf(done);
            failed = List.copyOf(failed);
            withheld = List.copyOf(withheld);
        }
    }

    private final Swarm swarm;
    private final DrainStatusStore drainStatuses;
    private final DrainRequests drains;
    private final CapacityState pauseState;
    private final CapacityPolicy policy;
    private final AuditTrail audit;
    private final boolean first;
    private final boolean named;

    /**
     * @param pauseState the state that holds the pause switch (the first pool's), read again before each action
     * @param first whether this is the first pool, whose instance ids a drain names unqualified
     * @param named whether the fleet has several pools, so that each line names this one
     */
    PoolExecution(Swarm swarm, DrainStatusStore drainStatuses, DrainRequests drains, CapacityState pauseState,
            CapacityPolicy policy, AuditTrail audit, boolean first, boolean named) {
        this.swarm = swarm;
        this.drainStatuses = drainStatuses;
        this.drains = drains;
        this.pauseState = pauseState;
        this.policy = policy;
        this.audit = audit;
        this.first = first;
        this.named = named;
    }

    /**
     * One pool's part of the check: look at the operations earlier checks started, record what it is about to do, do
     * it, store the pool's next history.
     *
     * @param read the pool's history as the check read it before planning
     */
    Result run(CapacityState.Lease lease, CapacityCheck.PoolPort port, CapacityState.Versioned read,
            FleetPlanner.PoolPlan poolPlan, CapacityPause pause, Instant now) {
        CapacityHistory history = read.history();
        CapacitySnapshot snapshot = poolPlan.snapshot();
        CapacityPlan plan = poolPlan.plan();
        String prefix = named ? "pool " + port.pool().name() + ": " : "";
        StartedOperations.Review review = StartedOperations.review(history.operations(), snapshot,
                policy.provisioningTimeout(), now);
        review.ended().forEach(ended -> LOG.warning("capacity: " + prefix + ended.action() + ": " + ended.reason()));
        plan.notes().forEach(note -> LOG.info("capacity: " + prefix + note));
        List<CapacityAction> toDo = new ArrayList<>();
        Map<CapacityAction, String> withheld = new LinkedHashMap<>();
        for (CapacityAction action : plan.actions()) {
            if (plan.dryRun()) {
                LOG.info("capacity (dry run, not done): " + prefix + action.summary() + ": " + action.reason());
                continue;
            }
            String why = withholdReason(action, pause, review.underWay());
            if (why != null) {
                withheld.put(action, why);
                LOG.info("capacity (not done: " + why + "): " + prefix + action.summary() + ": " + action.reason());
            } else {
                toDo.add(action);
            }
        }
        CapacityHistory.ScaleOutRecord outside = OutsideScaleOut.detect(history, snapshot.scaleSet().capacity(), now);
        CapacityHistory.ScaleOutRecord scaleOutBefore = outside != null ? outside : history.lastScaleOut();
        List<CapacityHistory.Operation> operations = new ArrayList<>(review.underWay());
        for (CapacityAction action : toDo) {
            operations.addAll(startedAll(action, now));
        }
        CapacityHistory next = notDone(plan.history().withDecisions(review.ended()).withOperations(operations),
                withheld.keySet(), now, scaleOutBefore, null);

        List<String> done = new ArrayList<>();
        List<CapacityAction> doneActions = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        Optional<CapacityState.Versioned> recorded = Optional.of(read);
        if (!toDo.isEmpty()) {
            // What it is about to do is on record before it starts: a check that dies midway leaves its operations
            // for the next one to look at.
            recorded = store(port.state(), next, read, lease);
            if (recorded.isEmpty()) {
                return new Result(List.of(), List.of(), describe(prefix, withheld),
                        "the lease was lost before acting: a newer check decides");
            }
        }
        Map<CapacityAction, String> failures = new LinkedHashMap<>();
        List<CapacityHistory.Decision> noRoom = new ArrayList<>();
        for (CapacityAction action : toDo) {
            String why = stillOurs(lease, action);
            if (why != null) {
                withheld.put(action, why);
                continue;
            }
            try {
                act(action, port, snapshot.scaleSet());
                done.add(prefix + action.summary());
                doneActions.add(action);
                LOG.info("capacity: " + prefix + action.summary() + ": " + action.reason());
            } catch (RuntimeException e) {
                // One failed action must not stop the others; the next check sees what is left and plans again.
                failures.put(action, e.getMessage());
                if (e instanceof ScaleSetException refused && refused.allocationFailure()) {
                    // Azure has no room for this pool's VMs now: the expander passes the pool over for a while.
                    noRoom.add(AllocationBackoff.refused(action.summary(), e.getMessage(), now));
                }
                failed.add(prefix + action.summary() + ": " + e.getMessage());
                LOG.warning("capacity: " + prefix + action.summary() + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        Set<CapacityAction> notDone = new HashSet<>(withheld.keySet());
        notDone.addAll(failures.keySet());
        if (!toDo.isEmpty()) {
            List<CapacityHistory.Operation> stillStarted = new ArrayList<>(review.underWay());
            for (CapacityAction action : toDo) {
                if (!notDone.contains(action)) {
                    stillStarted.addAll(startedAll(action, now));
                }
            }
            // On what was recorded, which keeps what others wrote meanwhile.
            next = notDone(recorded.get().history().withOperations(stillStarted), withheld.keySet(), now, scaleOutBefore,
                    failures).withDecisions(noRoom);
        }
        // The trail records what was done whether or not the history below is written: it happened either way.
        CapacityAudit.events(plan, doneActions, failures, review.ended(), now).forEach(audit::record);
        if (store(port.state(), next, recorded.get(), lease).isEmpty()) {
            return new Result(done, failed, describe(prefix, withheld),
                    "the lease was lost before the history was written: a newer check's history stands");
        }
        return new Result(done, failed, describe(prefix, withheld), null);
    }

    /** Why an action is held back this check, or null to do it. */
    private static String withholdReason(CapacityAction action, CapacityPause pause,
            List<CapacityHistory.Operation> underWay) {
        // A drain under way is moved on even while paused: it finishes, as the pause promises.
        if (pause.paused() && !(action instanceof CapacityAction.ResumeDrain)) {
            return "automatic actions are " + pause.describe();
        }
        for (CapacityHistory.Operation operation : underWay) {
            if (action instanceof CapacityAction.ScaleOut && operation.kind() == CapacityHistory.Operation.Kind.SET_CAPACITY) {
                return "the capacity write started at " + operation.startedAt() + " is still under way";
            }
            if (action instanceof CapacityAction.StartInstances start
                    && operation.kind() == CapacityHistory.Operation.Kind.START_INSTANCE
                    && start.instanceIds().contains(operation.instanceId())) {
                return "the start of instance " + operation.instanceId() + " at " + operation.startedAt()
                        + " is still under way";
            }
            if (action instanceof CapacityAction.DeleteInstance delete
                    && operation.kind() == CapacityHistory.Operation.Kind.DELETE_INSTANCE
                    && operation.instanceId().equals(delete.instanceId())) {
                return "its deletion started at " + operation.startedAt() + " is still under way";
            }
        }
        return null;
    }

    /** Before each action: the lease is renewed (so no other check acts meanwhile) and the pause switch read again. */
    private String stillOurs(CapacityState.Lease lease, CapacityAction action) {
        if (!lease.renew()) {
            return "the lease was lost: another check acts now";
        }
        CapacityPause pause = pauseState.readPause();
        if (pause.paused() && !(action instanceof CapacityAction.ResumeDrain)) {
            return "automatic actions were " + pause.describe();
        }
        return null;
    }

    /** The ARM operation an action starts, recorded so the next check looks at it instead of this one waiting. */
    private static Optional<CapacityHistory.Operation> started(CapacityAction action, Instant now) {
        if (action instanceof CapacityAction.ScaleOut scaleOut) {
            return Optional.of(CapacityHistory.Operation.setCapacity(scaleOut.toCapacity(), now));
        }
        if (action instanceof CapacityAction.DeleteInstance delete) {
            return Optional.of(CapacityHistory.Operation.deleteInstance(delete.instanceId(), now));
        }
        return Optional.empty();
    }

    /** The operations a start of warm instances begins: one per instance, so each is followed until it joins. */
    private static List<CapacityHistory.Operation> startedAll(CapacityAction action, Instant now) {
        if (action instanceof CapacityAction.StartInstances start) {
            return start.instanceIds().stream().map(id -> CapacityHistory.Operation.startInstance(id, now)).toList();
        }
        return started(action, now).map(List::of).orElse(List.of());
    }

    /**
     * The planned history, less what was not done: a withheld action's decision is dropped (a paused cluster must not
     * fill the history with the same decision every check), a failed one says it failed, and a scale-out that did
     * not happen is not on record as one, so the scale-in delay does not start from it.
     */
    private static CapacityHistory notDone(CapacityHistory planned, Set<CapacityAction> withheld, Instant now,
            CapacityHistory.ScaleOutRecord scaleOutBefore, Map<CapacityAction, String> failures) {
        Map<String, String> failedBySummary = new HashMap<>();
        if (failures != null) {
            failures.forEach((action, message) -> failedBySummary.put(action.summary(), message));
        }
        Set<String> withheldSummaries = new HashSet<>();
        boolean scaleOutNotDone = false;
        for (CapacityAction action : withheld) {
            withheldSummaries.add(action.summary());
            scaleOutNotDone |= scalesOut(action);
        }
        if (failures != null) {
            for (CapacityAction action : failures.keySet()) {
                scaleOutNotDone |= scalesOut(action);
            }
        }
        CapacityHistory history = planned.withDecisionsAt(now, decision -> {
            if (withheldSummaries.contains(decision.action())) {
                return null;
            }
            String failure = failedBySummary.get(decision.action());
            return failure == null ? decision : new CapacityHistory.Decision(decision.at(), decision.action() + " (failed)",
                    decision.reason() + "; failed: " + failure, decision.dryRun());
        });
        return scaleOutNotDone ? history.withLastScaleOut(scaleOutBefore) : history;
    }

    /** A capacity raise, or a start of warm instances: either is on record as the scale-out the scale-in delay counts from. */
    private static boolean scalesOut(CapacityAction action) {
        return action instanceof CapacityAction.ScaleOut || action instanceof CapacityAction.StartInstances;
    }

    /**
     * Writes the history if the lease is still ours; when a writer outside the lease (the pause route, the webhook)
     * wrote meanwhile, keeps what it added and writes again. Empty when the lease is lost: nothing is written.
     */
    static Optional<CapacityState.Versioned> store(CapacityState state, CapacityHistory ours,
            CapacityState.Versioned read, CapacityState.Lease lease) {
        CapacityState.Versioned base = read;
        for (int attempt = 0; attempt < CapacityState.UPDATE_ATTEMPTS; attempt++) {
            if (!lease.renew()) {
                LOG.warning("capacity: the lease was lost; this check's history is not written, a newer check's stands");
                return Optional.empty();
            }
            Optional<String> written = state.writeHistory(ours, base.etag());
            if (written.isPresent()) {
                return Optional.of(new CapacityState.Versioned(ours, written.get()));
            }
            CapacityState.Versioned stored = state.readVersioned();
            ours = ours.withOutsideChanges(base.history(), stored.history());
            base = stored;
        }
        throw new IllegalStateException("the capacity history changed on each of " + CapacityState.UPDATE_ATTEMPTS
                + " attempts to write it");
    }

    private static List<String> describe(String prefix, Map<CapacityAction, String> withheld) {
        List<String> lines = new ArrayList<>();
        withheld.forEach((action, why) -> lines.add(prefix + action.summary() + ": " + why));
        return lines;
    }

    private void act(CapacityAction action, CapacityCheck.PoolPort port, ScaleSetModel read) {
        ScaleSet scaleSet = port.scaleSet();
        if (action instanceof CapacityAction.ScaleOut scaleOut) {
            try {
                scaleSet.beginSetCapacity(scaleOut.toCapacity(), read.etag());
            } catch (ScaleSetConflictException e) {
                throw new IllegalStateException("the scale set changed since it was read; the next check re-plans", e);
            }
        } else if (action instanceof CapacityAction.RequestDrain drain) {
            // The instance the planner matched to the node in this check's listing: no second listing to find it.
            drains.submit(drain.nodeId(), new DrainOrder(DrainReason.SCALE_IN, drain.instanceEnd(), Optional.empty()),
                    new DrainRequests.ListedInstance(PoolScaleSets.qualify(port.pool().name(), drain.instanceId(),
                            first), drain.hostname()));
        } else if (action instanceof CapacityAction.ReactivateNode reactivate) {
            if (!drains.cancel(reactivate.node(), reactivate.drainRequestId())) {
                throw new IllegalStateException("drain " + reactivate.drainRequestId() + " is no longer under way");
            }
        } else if (action instanceof CapacityAction.RemoveDownNode remove) {
            try {
                swarm.removeNode(remove.nodeId());
            } catch (NodeNotFoundException gone) {
                LOG.fine(gone.getMessage());
            } catch (NodeStillUpException up) {
                throw new IllegalStateException("node " + remove.hostname() + " is up again", up);
            }
        } else if (action instanceof CapacityAction.DeleteInstance delete) {
            scaleSet.beginDeleteInstances(List.of(delete.instanceId()));
        } else if (action instanceof CapacityAction.StartInstances start) {
            scaleSet.beginStart(start.instanceIds());
        } else if (action instanceof CapacityAction.ResumeDrain resume) {
            Optional<DrainStatus> status = drainStatuses.read(resume.hostname())
                    .map(DrainStatusStore.Stored::status)
                    .filter(candidate -> candidate.request().requestId().equals(resume.requestId()) && !candidate.finished());
            if (status.isPresent()) {
                drains.resume(status.get());
            } else {
                // Its status is lost, and with it whether the instance was to go: finish the drain, keep the VM.
                drains.submit(resume.nodeId(), new DrainOrder(DrainReason.MANUAL, false, Optional.empty()));
            }
        } else if (action instanceof CapacityAction.LabelNode label) {
            try {
                swarm.updateNode(label.node(), label.node().availability(), label.labels());
            } catch (NodeVersionConflictException | NodeNotFoundException changed) {
                throw new IllegalStateException("node " + label.node().hostname() + " changed since it was read; the next"
                        + " check labels it", changed);
            }
        } else {
            throw new IllegalArgumentException("unknown action " + action);
        }
    }
}
