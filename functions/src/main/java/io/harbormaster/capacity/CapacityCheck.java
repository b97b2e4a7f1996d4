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
import io.harbormaster.scaleset.PoolScaleSets;
import io.harbormaster.scaleset.ScaleSetConflictException;
import io.harbormaster.scaleset.ScaleSetException;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.NodeNotFoundException;
import io.harbormaster.swarm.NodeStillUpException;
import io.harbormaster.swarm.NodeVersionConflictException;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Swarm;
import io.harbormaster.swarm.Task;
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
     * operation of the same kind still under way), why it did nothing when it did nothing, each pool's plan, and when
     * the step after the plan wants the next check ({@link AfterPlan.Result#nextCheck}).
     */
    public record Outcome(Optional<CapacityPlan> plan, List<String> done, List<String> failed, List<String> withheld,
            String skipped, List<FleetPlanner.PoolPlan> pools, Optional<Duration> nextCheck) {
        public Outcome {
            pools = List.copyOf(pools);
        }

        public Outcome(Optional<CapacityPlan> plan, List<String> done, List<String> failed, List<String> withheld,
                String skipped, List<FleetPlanner.PoolPlan> pools) {
            this(plan, done, failed, withheld, skipped, pools, Optional.empty());
        }

        static Outcome skipped(String why) {
            return new Outcome(Optional.empty(), List.of(), List.of(), List.of(), why, List.of());
        }
    }

    /**
     * One pool as the check acts on it: its scale set, and the state that keeps its history. The first pool's state
     * also holds the lease (one check at a time for the whole fleet) and the pause switch.
     */
    public record PoolPort(Pool pool, ScaleSet scaleSet, CapacityState state) {
    }

    private final Swarm swarm;
    private final List<PoolPort> pools;
    private final DrainStatusStore drainStatuses;
    private final DrainRequests drains;
    private final CapacityState state;
    private final CapacityPolicy policy;
    private final Clock clock;
    private final SharedSnapshot<FleetSnapshot> statusSnapshot;
    private final AuditTrail audit;
    private final ControlPlaneMetrics metrics;
    private final AfterPlan afterPlan;
    /** The first pool's instances as the last check listed them, for the rolling upgrade's automatic start. */
    private volatile List<ScaleSetInstance> lastListedInstances = List.of();

    /** How old the status route's shared snapshot may be: the 2 s refresh for a page that polls. */
    public static final Duration STATUS_SNAPSHOT_MAX_AGE = Duration.ofSeconds(2);

    /** The single scale set's check: one pool, {@link Pool#single}, planned as before pools. */
    public CapacityCheck(Swarm swarm, ScaleSet scaleSet, DrainStatusStore drainStatuses, DrainRequests drains,
            CapacityState state, CapacityPolicy policy, Clock clock, AuditTrail audit, ControlPlaneMetrics metrics) {
        this(swarm, scaleSet, drainStatuses, drains, state, policy, clock, audit, metrics, AfterPlan.NONE);
    }

    /** @param afterPlan the step run after each plan on the same snapshot (the rebalance) */
    public CapacityCheck(Swarm swarm, ScaleSet scaleSet, DrainStatusStore drainStatuses, DrainRequests drains,
            CapacityState state, CapacityPolicy policy, Clock clock, AuditTrail audit, ControlPlaneMetrics metrics,
            AfterPlan afterPlan) {
        this(swarm, List.of(new PoolPort(Pool.single(Pool.DEFAULT_NAME, policy), scaleSet, state)), drainStatuses, drains,
                policy, clock, audit, metrics, afterPlan);
    }

    /**
     * @param pools every pool, in the order of the setting
     * @param policy what the pools share; each pool's bounds and step replace the policy's
     */
    public CapacityCheck(Swarm swarm, List<PoolPort> pools, DrainStatusStore drainStatuses, DrainRequests drains,
            CapacityPolicy policy, Clock clock, AuditTrail audit, ControlPlaneMetrics metrics) {
        this(swarm, pools, drainStatuses, drains, policy, clock, audit, metrics, AfterPlan.NONE);
    }

    /**
     * @param pools every pool, in the order of the setting
     * @param policy what the pools share; each pool's bounds and step replace the policy's
     * @param afterPlan the step run once after the pools' plans, on the whole fleet's snapshot (the rebalance)
     */
    public CapacityCheck(Swarm swarm, List<PoolPort> pools, DrainStatusStore drainStatuses, DrainRequests drains,
            CapacityPolicy policy, Clock clock, AuditTrail audit, ControlPlaneMetrics metrics, AfterPlan afterPlan) {
        this.afterPlan = afterPlan;
        if (pools.isEmpty()) {
            throw new IllegalArgumentException("a capacity check needs at least one pool");
        }
        this.audit = audit;
        this.metrics = metrics;
        this.swarm = swarm;
        this.pools = List.copyOf(pools);
        this.drainStatuses = drainStatuses;
        this.drains = drains;
        this.state = pools.get(0).state();
        this.policy = policy;
        this.clock = clock;
        this.statusSnapshot = new SharedSnapshot<>(this::snapshot, FleetSnapshot::takenAt, clock, STATUS_SNAPSHOT_MAX_AGE);
    }

    public Outcome run() {
        return run(Optional.empty());
    }

    /**
     * @param expectedCapacity a capacity Azure Monitor announced (autoscale webhook): recorded in the history first,
     *                         lease or not, so the guard of this check or of the next takes the change as expected
     */
    public Outcome run(Optional<Long> expectedCapacity) {
        return run(Optional.empty(), expectedCapacity);
    }

    /**
     * @param pool             the pool whose scale set Azure Monitor scaled (empty: the first pool, as messages queued
     *                         before pools say nothing); a pool no longer configured records nothing
     * @param expectedCapacity a capacity Azure Monitor announced for that pool's scale set: recorded in the pool's
     *                         history first, lease or not, so the guard of this check or of the next takes the change
     *                         as expected
     */
    public Outcome run(Optional<String> pool, Optional<Long> expectedCapacity) {
        if (expectedCapacity.isPresent()) {
            Optional<PoolPort> announced = pool.isEmpty() ? Optional.of(pools.get(0))
                    : pools.stream().filter(port -> port.pool().name().equals(pool.get())).findFirst();
            if (announced.isEmpty()) {
                LOG.warning("capacity check: an announced capacity for pool " + pool.get() + ", which is not configured;"
                        + " not recorded");
            } else {
                // Durable before the lease is tried: a check running now keeps it when it writes, the next one reads it.
                announced.get().state().update(history -> history.withExpectedCapacity(expectedCapacity.get(), clock.instant()));
            }
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
        List<CapacityState.Versioned> reads = new ArrayList<>();
        Map<String, CapacityHistory> histories = new HashMap<>();
        for (PoolPort port : pools) {
            CapacityState.Versioned read = port.state().readVersioned();
            reads.add(read);
            histories.put(port.pool().name(), read.history());
        }
        FleetSnapshot fleet = snapshot();
        lastListedInstances = fleet.pools().get(0).instances();
        metrics.observe(CapacityFigures.of(whole(fleet), pools.stream().mapToLong(port -> port.pool().maxAgents()).sum()));
        Instant now = clock.instant();
        List<FleetPlanner.PoolPlan> plans = FleetPlanner.plan(fleet, policy, histories, now);
        CapacityPause pause = state.readPause();
        if (pause.paused()) {
            LOG.info("capacity: automatic actions are " + pause.describe() + "; drains under way go on");
        }
        List<String> done = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        List<String> withheld = new ArrayList<>();
        for (int i = 0; i < pools.size(); i++) {
            String skipped = runPool(lease, pools.get(i), reads.get(i), plans.get(i), pause, now, done, failed, withheld);
            if (skipped != null) {
                return new Outcome(Optional.of(plans.get(0).plan()), done, failed, withheld, skipped, plans);
            }
        }
        AfterPlan.Result after = afterPlan(lease, fleet, plans, pause);
        if (!pause.paused()) {
            // After the plan, so this check planned with what the last one saw; in a dry run too, as it touches only
            // our own records of drains long over, and a cluster run dry for months must not pile them up either.
            drains.expireFinished(fleet.drains(), drainLabelsInUse(fleet.nodes()));
        }
        return new Outcome(Optional.of(plans.get(0).plan()), done, failed, withheld, null, plans, after.nextCheck());
    }

    /**
     * The step after the plans (the rebalance), once for the whole fleet, while the lease is still ours; its decisions
     * go in the first pool's history, beside the lease.
     */
    private AfterPlan.Result afterPlan(CapacityState.Lease lease, FleetSnapshot fleet, List<FleetPlanner.PoolPlan> plans,
            CapacityPause pause) {
        if (!lease.renew()) {
            return AfterPlan.Result.NOTHING;
        }
        String hold = null;
        boolean dryRun = false;
        for (FleetPlanner.PoolPlan poolPlan : plans) {
            dryRun |= poolPlan.plan().dryRun();
            if (hold == null) {
                hold = hold(poolPlan.plan(), pause);
            }
        }
        AfterPlan.Result after = afterPlan.run(whole(fleet), hold, dryRun);
        if (!after.decisions().isEmpty()) {
            CapacityState.Versioned read = state.readVersioned();
            if (store(state, read.history().withDecisions(after.decisions()), read, lease).isEmpty()) {
                LOG.warning("capacity: the lease was lost before the rebalance's decisions were recorded");
            }
        }
        return after;
    }

    /** Why the step after the plan may start nothing new: the plan changes the cluster, or may not act at all. */
    static String hold(CapacityPlan plan, CapacityPause pause) {
        if (plan.guardTripped()) {
            return "the guard tripped";
        }
        if (pause.paused()) {
            return "automatic actions are " + pause.describe();
        }
        if (!plan.actions(CapacityAction.ScaleOut.class).isEmpty()) {
            return "the capacity plan scales out";
        }
        if (!plan.actions(CapacityAction.RequestDrain.class).isEmpty()) {
            return "the capacity plan drains a node";
        }
        return null;
    }

    /**
     * One pool's part of the check: look at the operations earlier checks started, record what it is about to do, do
     * it, store the pool's next history. Adds to {@code done}, {@code failed} and {@code withheld}, naming the pool
     * when there are several; returns why the rest of the check is skipped, or null.
     */
    private String runPool(CapacityState.Lease lease, PoolPort port, CapacityState.Versioned read,
            FleetPlanner.PoolPlan poolPlan, CapacityPause pause, Instant now, List<String> doneLines,
            List<String> failedLines, List<String> withheldLines) {
        CapacityHistory history = read.history();
        CapacitySnapshot snapshot = poolPlan.snapshot();
        CapacityPlan plan = poolPlan.plan();
        String prefix = pools.size() > 1 ? "pool " + port.pool().name() + ": " : "";
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
                withheldLines.addAll(describe(prefix, withheld));
                return "the lease was lost before acting: a newer check decides";
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
        doneLines.addAll(done);
        failedLines.addAll(failed);
        if (store(port.state(), next, recorded.get(), lease).isEmpty()) {
            withheldLines.addAll(describe(prefix, withheld));
            return "the lease was lost before the history was written: a newer check's history stands";
        }
        withheldLines.addAll(describe(prefix, withheld));
        return null;
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
    private static Optional<CapacityState.Versioned> store(CapacityState state, CapacityHistory ours,
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

    /**
     * A constant number of calls however big the cluster: 3 to Docker, per pool 1 plus one per page to ARM, 1 list of
     * blobs.
     */
    FleetSnapshot snapshot() {
        List<Service> services = swarm.services();
        List<Node> nodes = swarm.nodes();
        List<Task> tasks = swarm.desiredRunningTasks(services.stream().map(Service::id).toList());
        List<FleetSnapshot.PoolReading> readings = new ArrayList<>();
        for (PoolPort port : pools) {
            readings.add(new FleetSnapshot.PoolReading(port.pool(), port.scaleSet().describe(), port.scaleSet().instances()));
        }
        // One status per node, the latest: the unfinished ones and those of nodes still carrying our label.
        return new FleetSnapshot(nodes, tasks, services, drainStatuses.list(), readings, clock.instant());
    }

    /** The fleet as one snapshot, for the gauges and the status: the first pool's scale set, every pool's instances. */
    private static CapacitySnapshot whole(FleetSnapshot fleet) {
        List<ScaleSetInstance> instances = new ArrayList<>();
        fleet.pools().forEach(reading -> instances.addAll(reading.instances()));
        return new CapacitySnapshot(fleet.nodes(), fleet.tasks(), fleet.services(), fleet.pools().get(0).scaleSet(),
                instances, fleet.drains(), fleet.takenAt());
    }

    private static Set<String> drainLabelsInUse(List<Node> nodes) {
        Set<String> requestIds = new HashSet<>();
        for (Node node : nodes) {
            String requestId = node.labels().get(DrainProgress.REQUEST_LABEL);
            if (requestId != null) {
                requestIds.add(requestId);
            }
        }
        return requestIds;
    }

    private void act(CapacityAction action, PoolPort port, ScaleSetModel read) {
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
                            port == pools.get(0)), drain.hostname()));
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

    /**
     * The whole fleet as the shared snapshot saw it (at most {@link #STATUS_SNAPSHOT_MAX_AGE} old, so no ARM or Docker
     * call of its own more often than the status route's): what the rolling upgrade asks the rebalance about.
     */
    public CapacitySnapshot sharedSnapshot() {
        return whole(statusSnapshot.get());
    }

    /** The first pool's instances as the last check that ran listed them; empty before the first. */
    public List<ScaleSetInstance> lastListedInstances() {
        return lastListedInstances;
    }

    /**
     * What the status route shows, acting on nothing: the shared snapshot (at most {@link #STATUS_SNAPSHOT_MAX_AGE} old,
     * so at most 2 ARM calls per that interval whatever the number of viewers), and the history and pause switch as
     * stored now.
     */
    public ClusterReport report() {
        FleetSnapshot fleet = statusSnapshot.get();
        List<ClusterReport.PoolStatus> statuses = new ArrayList<>();
        for (FleetSnapshot.PoolReading reading : fleet.pools()) {
            statuses.add(ClusterReport.PoolStatus.of(reading, fleet.nodes()));
        }
        return new ClusterReport(whole(fleet), state.readHistory(), state.readPause(), statuses);
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

    /**
     * The pool whose scale set has this resource id (compared as ARM compares ids, ignoring case), which an autoscale
     * notification must name; empty for another resource. Reads each pool's scale set until one matches.
     */
    public Optional<String> poolOfScaleSet(String resourceId) {
        for (PoolPort port : pools) {
            if (port.scaleSet().describe().id().equalsIgnoreCase(resourceId)) {
                return Optional.of(port.pool().name());
            }
        }
        return Optional.empty();
    }
}
