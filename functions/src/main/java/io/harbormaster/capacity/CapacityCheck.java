package io.harbormaster.capacity;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainStatusStore;
import io.harbormaster.metrics.ControlPlaneMetrics;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
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
 * One capacity check of the whole fleet: take the lease, read every pool's history, snapshot once, plan all pools
 * ({@link FleetPlanner}), carry out each pool's plan ({@link PoolExecution}: unless dry-run or paused, without waiting
 * on ARM), run the step after the plan (the rebalance) and expire old drain records. Every write of a history is
 * conditional on the version read and made only while the lease is still ours, so a check that outlived its lease
 * never overwrites a newer check's history. Also what the status route reads, and the pause switch.
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
    /** Each pool's part of a check, in the order of {@link #pools}. */
    private final List<PoolExecution> executions = new ArrayList<>();
    /** The first pool's instances as the last check listed them, for the rolling upgrade's automatic start. */
    private volatile Map<String, List<ScaleSetInstance>> lastListedInstances = Map.of();

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
        for (int i = 0; i < this.pools.size(); i++) {
            executions.add(new PoolExecution(swarm, drainStatuses, drains, state, policy, audit, i == 0,
                    this.pools.size() > 1));
        }
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
        Map<String, List<ScaleSetInstance>> listed = new LinkedHashMap<>();
        fleet.pools().forEach(reading -> listed.put(reading.pool().name(), reading.instances()));
        lastListedInstances = listed;
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
            PoolExecution.Result result = executions.get(i).run(lease, pools.get(i), reads.get(i), plans.get(i), pause, now);
            done.addAll(result.done());
            failed.addAll(result.failed());
            withheld.addAll(result.withheld());
            if (result.skipped() != null) {
                return new Outcome(Optional.of(plans.get(0).plan()), done, failed, withheld, result.skipped(), plans);
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
            if (PoolExecution.store(state, read.history().withDecisions(after.decisions()), read, lease).isEmpty()) {
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

    /**
     * The whole fleet as the shared snapshot saw it (at most {@link #STATUS_SNAPSHOT_MAX_AGE} old, so no ARM or Docker
     * call of its own more often than the status route's): what the rolling upgrade asks the rebalance about.
     */
    public CapacitySnapshot sharedSnapshot() {
        return whole(statusSnapshot.get());
    }

    /**
     * Each pool's instances (bare ids, as its own scale set lists them) by pool name, as the last check that ran
     * listed them; empty before the first.
     */
    public Map<String, List<ScaleSetInstance>> lastListedInstances() {
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
