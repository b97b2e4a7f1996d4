package io.harbormaster.capacity;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.drain.DrainOrder;
import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.drain.DrainStatusStore;
import io.harbormaster.metrics.ControlPlaneMetrics;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.scaleset.ScaleSetConflictException;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.NodeNotFoundException;
import io.harbormaster.swarm.NodeStillUpException;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Swarm;
import java.time.Clock;
import java.time.Duration;
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
 * One capacity check: take the lease, snapshot, look at the ARM operations earlier checks started, plan, record what
 * it is about to do, do it (unless dry-run or paused) without waiting on ARM, and store the next history. Every write
 * of the history is conditional on the version read and made only while the lease is still ours, so a check that
 * outlived its lease never overwrites a newer check's history.
 */
public final class CapacityCheck {
    private static final Logger LOG = Logger.getLogger(CapacityCheck.class.getName());

    /**
     * What a check did: the plan, the actions carried out, those that failed, those it held back (paused, or an
     * operation of the same kind still under way), and why it did nothing when it did nothing.
     */
    public record Outcome(Optional<CapacityPlan> plan, List<String> done, List<String> failed, List<String> withheld,
            String skipped) {
        static Outcome skipped(String why) {
            return new Outcome(Optional.empty(), List.of(), List.of(), List.of(), why);
        }
    }

    private final Swarm swarm;
    private final ScaleSet scaleSet;
    private final DrainStatusStore drainStatuses;
    private final DrainRequests drains;
    private final CapacityState state;
    private final CapacityPolicy policy;
    private final Clock clock;
    private final SharedSnapshot statusSnapshot;
    private final AuditTrail audit;
    private final ControlPlaneMetrics metrics;

    /** How old the status route's shared snapshot may be: the 2 s refresh for a page that polls. */
    public static final Duration STATUS_SNAPSHOT_MAX_AGE = Duration.ofSeconds(2);

    public CapacityCheck(Swarm swarm, ScaleSet scaleSet, DrainStatusStore drainStatuses, DrainRequests drains,
            CapacityState state, CapacityPolicy policy, Clock clock, AuditTrail audit, ControlPlaneMetrics metrics) {
        this.audit = audit;
        this.metrics = metrics;
        this.swarm = swarm;
        this.scaleSet = scaleSet;
        this.drainStatuses = drainStatuses;
        this.drains = drains;
        this.state = state;
        this.policy = policy;
        this.clock = clock;
        this.statusSnapshot = new SharedSnapshot(this::snapshot, clock, STATUS_SNAPSHOT_MAX_AGE);
    }

    public Outcome run() {
        return run(Optional.empty());
    }

    /**
     * @param expectedCapacity a capacity Azure Monitor announced (autoscale webhook): recorded in the history first,
     *                         lease or not, so the guard of this check or of the next takes the change as expected
     */
    public Outcome run(Optional<Long> expectedCapacity) {
        if (expectedCapacity.isPresent()) {
            // Durable before the lease is tried: a check running now keeps it when it writes, the next one reads it.
            state.update(history -> history.withExpectedCapacity(expectedCapacity.get(), clock.instant()));
        }
        long started = System.nanoTime();
        Optional<CapacityState.Lease> lease = state.tryAcquire();
        if (lease.isEmpty()) {
            metrics.checkFinished(Duration.ofNanos(System.nanoTime() - started), "skipped");
            LOG.info("capacity check skipped: another check holds the lease");
            return Outcome.skipped("another check holds the lease"
                    + (expectedCapacity.isPresent() ? "; the announced capacity is recorded for it and the next check" : ""));
        }
        try (CapacityState.Lease held = lease.get()) {
            Outcome outcome = runHolding(held);
            metrics.checkFinished(Duration.ofNanos(System.nanoTime() - started), outcome.skipped() == null ? "ok" : "skipped");
            return outcome;
        } catch (RuntimeException e) {
            metrics.checkFinished(Duration.ofNanos(System.nanoTime() - started), "failed");
            // Our own exceptions say what failed in our words; an SDK's message may quote a URL with a SAS token.
            boolean ours = e.getClass().getName().startsWith("io.harbormaster.");
            audit.record(AuditEvent.of(clock.instant(), AuditKind.CAPACITY_CHECK_FAILED, "capacity",
                    ours ? e.getMessage() : "failed with " + e.getClass().getSimpleName(),
                    "exception", e.getClass().getSimpleName()));
            throw e;
        }
    }

    private Outcome runHolding(CapacityState.Lease lease) {
        CapacityState.Versioned read = state.readVersioned();
        CapacityHistory history = read.history();
        CapacitySnapshot snapshot = snapshot();
        metrics.observe(CapacityFigures.of(snapshot, policy.maxAgents()));
        Instant now = clock.instant();
        StartedOperations.Review review = StartedOperations.review(history.operations(), snapshot,
                policy.provisioningTimeout(), now);
        review.ended().forEach(ended -> LOG.warning("capacity: " + ended.action() + ": " + ended.reason()));
        CapacityPlan plan = CapacityPlanner.plan(snapshot, policy, history, now);
        plan.notes().forEach(note -> LOG.info("capacity: " + note));
        CapacityPause pause = state.readPause();
        if (pause.paused()) {
            LOG.info("capacity: automatic actions are " + pause.describe() + "; drains under way go on");
        }

        List<CapacityAction> toDo = new ArrayList<>();
        Map<CapacityAction, String> withheld = new LinkedHashMap<>();
        for (CapacityAction action : plan.actions()) {
            if (plan.dryRun()) {
                LOG.info("capacity (dry run, not done): " + action.summary() + ": " + action.reason());
                continue;
            }
            String why = withholdReason(action, pause, review.underWay());
            if (why != null) {
                withheld.put(action, why);
                LOG.info("capacity (not done: " + why + "): " + action.summary() + ": " + action.reason());
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
            recorded = store(next, read, lease);
            if (recorded.isEmpty()) {
                return new Outcome(Optional.of(plan), done, failed, describe(withheld),
                        "the lease was lost before acting: a newer check decides");
            }
        }
        Map<CapacityAction, String> failures = new LinkedHashMap<>();
        for (CapacityAction action : toDo) {
            String why = stillOurs(lease, action);
            if (why != null) {
                withheld.put(action, why);
                continue;
            }
            try {
                act(action, snapshot.scaleSet());
                done.add(action.summary());
                doneActions.add(action);
                LOG.info("capacity: " + action.summary() + ": " + action.reason());
            } catch (RuntimeException e) {
                // One failed action must not stop the others; the next check sees what is left and plans again.
                failures.put(action, e.getMessage());
                failed.add(action.summary() + ": " + e.getMessage());
                LOG.warning("capacity: " + action.summary() + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
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
                    failures);
        }
        // The trail records what was done whether or not the history below is written: it happened either way.
        CapacityAudit.events(plan, doneActions, failures, review.ended(), now).forEach(audit::record);
        if (store(next, recorded.get(), lease).isEmpty()) {
            return new Outcome(Optional.of(plan), done, failed, describe(withheld),
                    "the lease was lost before the history was written: a newer check's history stands");
        }
        if (!pause.paused()) {
            // After the plan, so this check planned with what the last one saw; in a dry run too, as it touches only
            // our own records of drains long over, and a cluster run dry for months must not pile them up either.
            drains.expireFinished(snapshot.drains(), drainLabelsInUse(snapshot));
        }
        return new Outcome(Optional.of(plan), done, failed, describe(withheld), null);
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
        CapacityPause pause = state.readPause();
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
    private Optional<CapacityState.Versioned> store(CapacityHistory ours, CapacityState.Versioned read,
            CapacityState.Lease lease) {
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

    private static List<String> describe(Map<CapacityAction, String> withheld) {
        List<String> lines = new ArrayList<>();
        withheld.forEach((action, why) -> lines.add(action.summary() + ": " + why));
        return lines;
    }

    /** A constant number of calls however big the cluster: 3 to Docker, 1 plus one per page to ARM, 1 list of blobs. */
    CapacitySnapshot snapshot() {
        List<Service> services = swarm.services();
        return new CapacitySnapshot(
                swarm.nodes(),
                swarm.desiredRunningTasks(services.stream().map(Service::id).toList()),
                services,
                scaleSet.describe(),
                scaleSet.instances(),
                // One status per node, the latest: the unfinished ones and those of nodes still carrying our label.
                drainStatuses.list(),
                clock.instant());
    }

    private static Set<String> drainLabelsInUse(CapacitySnapshot snapshot) {
        Set<String> requestIds = new HashSet<>();
        for (Node node : snapshot.nodes()) {
            String requestId = node.labels().get(DrainProgress.REQUEST_LABEL);
            if (requestId != null) {
                requestIds.add(requestId);
            }
        }
        return requestIds;
    }

    private void act(CapacityAction action, ScaleSetModel read) {
        if (action instanceof CapacityAction.ScaleOut scaleOut) {
            try {
                scaleSet.beginSetCapacity(scaleOut.toCapacity(), read.etag());
            } catch (ScaleSetConflictException e) {
                throw new IllegalStateException("the scale set changed since it was read; the next check re-plans", e);
            }
        } else if (action instanceof CapacityAction.RequestDrain drain) {
            // The instance the planner matched to the node in this check's listing: no second listing to find it.
            drains.submit(drain.nodeId(), new DrainOrder(DrainReason.SCALE_IN, drain.instanceEnd(), Optional.empty()),
                    new DrainRequests.ListedInstance(drain.instanceId(), drain.hostname()));
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
        } else {
            throw new IllegalArgumentException("unknown action " + action);
        }
    }

    /**
     * What the status route shows, acting on nothing: the shared snapshot (at most {@link #STATUS_SNAPSHOT_MAX_AGE} old,
     * so at most 2 ARM calls per that interval whatever the number of viewers), and the history and pause switch as
     * stored now.
     */
    public ClusterReport report() {
        return new ClusterReport(statusSnapshot.get(), state.readHistory(), state.readPause());
    }

    /** The operator's pause switch as stored. */
    public CapacityPause pause() {
        return state.readPause();
    }

    /**
     * Sets the pause switch, durably and at once, and records the change as a decision. A check under way reads the
     * switch again before each action; drains under way go on either way.
     *
     * @param by who asks, or null
     * @param reason why, or null
     */
    public CapacityPause setPaused(boolean paused, String by, String reason) {
        CapacityPause pause = new CapacityPause(paused, by, reason, clock.instant());
        state.writePause(pause);
        state.update(history -> history.withDecision(new CapacityHistory.Decision(pause.at(),
                paused ? "pause automatic actions" : "resume automatic actions",
                (paused ? "no scale-out, scale-in or clean-up until resumed; drains under way go on" : "automatic actions resume")
                        + (by == null ? "" : "; by " + by) + (reason == null ? "" : "; " + reason), false)));
        LOG.info("capacity: automatic actions " + pause.describe());
        audit.record(AuditEvent.of(pause.at(), AuditKind.CAPACITY_PAUSE, "capacity",
                reason == null ? (paused ? "paused" : "resumed") : reason,
                "paused", Boolean.toString(paused), "by", by));
        return pause;
    }

    /** The scale set's resource id, which autoscale notifications must name. */
    public String scaleSetId() {
        return scaleSet.describe().id();
    }
}
