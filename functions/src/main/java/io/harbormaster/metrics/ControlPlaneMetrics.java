package io.harbormaster.metrics;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditTrail;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The control plane's metrics through the OpenTelemetry API, with the same names wherever they are read: in Azure the
 * Application Insights Java agent takes them to Application Insights; locally the dev host serves them as Prometheus
 * text. Counters of decisions and refusals come from the audit trail's events ({@link #metered}), so each fact has one
 * source; the gauges report what the last capacity check saw.
 */
public final class ControlPlaneMetrics {
    /** The instrumentation scope every instrument belongs to. */
    public static final String SCOPE = "io.harbormaster";
    public static final String NODES = "harbormaster.nodes";
    public static final String TASKS_PENDING = "harbormaster.tasks.pending";
    public static final String TASKS_PENDING_AT_MAXIMUM = "harbormaster.tasks.pending.at.maximum";
    public static final String REPLICAS_DESIRED = "harbormaster.replicas.desired";
    public static final String REPLICAS_RUNNING = "harbormaster.replicas.running";
    public static final String DRAINS = "harbormaster.drains";
    public static final String DRAIN_TRANSITIONS = "harbormaster.drains.transitions";
    public static final String DRAIN_DURATION = "harbormaster.drain.duration";
    public static final String SCALE_ACTIONS = "harbormaster.scale.actions";
    public static final String GUARD_TRIPS = "harbormaster.guard.trips";
    public static final String CHECK_DURATION = "harbormaster.capacity.check.duration";
    public static final String JOIN_REQUESTS = "harbormaster.join.requests";
    public static final String CALLERS_REFUSED = "harbormaster.callers.refused";
    public static final String ARM_THROTTLED = "harbormaster.arm.throttled";
    /** Every instrument's name: the alert rules in infra/functions.json may name these only. */
    public static final List<String> INSTRUMENTS = List.of(NODES, TASKS_PENDING, TASKS_PENDING_AT_MAXIMUM, REPLICAS_DESIRED,
            REPLICAS_RUNNING, DRAINS, DRAIN_TRANSITIONS, DRAIN_DURATION, SCALE_ACTIONS, GUARD_TRIPS, CHECK_DURATION,
            JOIN_REQUESTS, CALLERS_REFUSED, ARM_THROTTLED);
    /**
     * How long a check's figures are reported: several app instances may run, and only the one holding the lease
     * checks, so another's older figures must fall silent instead of holding an alert up.
     */
    static final Duration FRESH_FOR = Duration.ofMinutes(2);
    private static final AttributeKey<String> KIND = AttributeKey.stringKey("kind");
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");
    private static final AttributeKey<String> STATE = AttributeKey.stringKey("state");
    private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
    private static final AttributeKey<String> ROLE = AttributeKey.stringKey("role");
    private static final AttributeKey<String> RESULT = AttributeKey.stringKey("result");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("route");
    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("operation");

    private final AtomicReference<ClusterFigures> cluster = new AtomicReference<>(ClusterFigures.NONE);
    private final LongCounter scaleActions;
    private final LongCounter guardTrips;
    private final LongCounter drainChanges;
    private final DoubleHistogram drainDuration;
    private final DoubleHistogram checkDuration;
    private final LongCounter joinRequests;
    private final LongCounter refusals;
    private final LongCounter armThrottled;

    public ControlPlaneMetrics(Meter meter) {
        scaleActions = meter.counterBuilder(SCALE_ACTIONS)
                .setDescription("Capacity actions, by kind and outcome (started, done, failed, dry-run)").build();
        guardTrips = meter.counterBuilder(GUARD_TRIPS)
                .setDescription("Capacity checks whose guard withheld destructive actions").build();
        drainChanges = meter.counterBuilder(DRAIN_TRANSITIONS)
                .setDescription("Drain state changes, by the state reached").build();
        drainDuration = meter.histogramBuilder(DRAIN_DURATION).setUnit("s")
                .setDescription("From a drain's request to its end, by reason and final state").build();
        checkDuration = meter.histogramBuilder(CHECK_DURATION).setUnit("s")
                .setDescription("Capacity checks, by outcome (ok, skipped, failed)").build();
        joinRequests = meter.counterBuilder(JOIN_REQUESTS)
                .setDescription("Join tickets asked for, by role and result (served, or the refusal's code)").build();
        refusals = meter.counterBuilder(CALLERS_REFUSED)
                .setDescription("Refused node calls, by route and code").build();
        armThrottled = meter.counterBuilder(ARM_THROTTLED)
                .setDescription("ARM answers 429 (throttled), by operation").build();
        meter.gaugeBuilder(NODES).ofLongs().setDescription("Swarm nodes, by state, availability, role and pool")
                .buildWithCallback(gauge -> fresh().ifPresent(figures -> figures.nodes().forEach((key, count) ->
                        gauge.record(count, nodeAttributes(key)))));
        meter.gaugeBuilder(TASKS_PENDING).ofLongs().setDescription("Tasks swarm has not placed")
                .buildWithCallback(gauge -> fresh().ifPresent(figures -> gauge.record(figures.pendingTasks())));
        meter.gaugeBuilder(TASKS_PENDING_AT_MAXIMUM).ofLongs()
                .setDescription("Tasks swarm has not placed while the scale set is at its maximum")
                .buildWithCallback(gauge -> fresh().ifPresent(figures -> gauge.record(figures.pendingAtMaximum())));
        meter.gaugeBuilder(REPLICAS_DESIRED).ofLongs().setDescription("Replicas the replicated services ask for")
                .buildWithCallback(gauge -> fresh().ifPresent(figures -> gauge.record(figures.desiredReplicas())));
        meter.gaugeBuilder(REPLICAS_RUNNING).ofLongs().setDescription("Replicas of replicated services running")
                .buildWithCallback(gauge -> fresh().ifPresent(figures -> gauge.record(figures.runningReplicas())));
        meter.gaugeBuilder(DRAINS).ofLongs().setDescription("Drains on record, by state")
                .buildWithCallback(gauge -> fresh().ifPresent(figures -> figures.drains().forEach((state, count) ->
                        gauge.record(count, Attributes.of(STATE, state)))));
    }

    private static volatile ControlPlaneMetrics global;

    /**
     * This process's metrics, on whatever OpenTelemetry it has: the agent's in Azure, the dev host's locally, none
     * (no-op) in unit tests. One per process, as the API's global is: built on first use, after the host set it up.
     */
    public static ControlPlaneMetrics global() {
        ControlPlaneMetrics current = global;
        if (current == null) {
            synchronized (ControlPlaneMetrics.class) {
                current = global;
                if (current == null) {
                    current = new ControlPlaneMetrics(GlobalOpenTelemetry.getMeter(SCOPE));
                    global = current;
                }
            }
        }
        return current;
    }

    /** What the last capacity check saw. */
    public void observe(ClusterFigures figures) {
        cluster.set(figures);
    }

    private java.util.Optional<ClusterFigures> fresh() {
        ClusterFigures figures = cluster.get();
        return figures.at().isAfter(Instant.now().minus(FRESH_FOR)) ? java.util.Optional.of(figures) : java.util.Optional.empty();
    }

    public void checkFinished(Duration took, String outcome) {
        checkDuration.record(took.toNanos() / 1e9, Attributes.of(OUTCOME, outcome));
    }

    public void joinServed(String role) {
        joinRequests.add(1, Attributes.of(ROLE, role, RESULT, "served"));
    }

    public void armThrottled(String operation) {
        armThrottled.add(1, Attributes.of(OPERATION, operation));
    }

    /** The trail, each event also counted. */
    public AuditTrail metered(AuditTrail trail) {
        return new AuditTrail() {
            @Override
            public void record(AuditEvent event) {
                count(event);
                trail.record(event);
            }

            @Override
            public List<AuditEvent> since(Instant since, int limit) {
                return trail.since(since, limit);
            }

            @Override
            public int prune(Instant before) {
                return trail.prune(before);
            }
        };
    }

    void count(AuditEvent event) {
        Map<String, String> details = event.details();
        switch (event.kind()) {
            case SCALE_OUT, SCALE_IN, NODE_REACTIVATED, NODE_REMOVED, INSTANCE_DELETED, DRAIN_RESUMED, NODE_LABELLED ->
                    scaleActions.add(1, Attributes.of(KIND, event.kind().wireName(),
                            OUTCOME, details.getOrDefault("outcome", "done")));
            case GUARD_TRIPPED -> guardTrips.add(1);
            case DRAIN_STATE -> {
                drainChanges.add(1, Attributes.of(STATE, details.getOrDefault("to", "")));
                if ("true".equals(details.get("finished")) && details.containsKey("requestedAt")) {
                    try {
                        Duration took = Duration.between(Instant.parse(details.get("requestedAt")), event.at());
                        drainDuration.record(took.toNanos() / 1e9, Attributes.of(REASON, details.getOrDefault("reason", ""),
                                STATE, details.getOrDefault("to", "")));
                    } catch (DateTimeParseException ignored) {
                        // Not a duration to report; the transition is counted above.
                    }
                }
            }
            case CALLER_REFUSED -> {
                String route = details.getOrDefault("route", "");
                refusals.add(1, Attributes.of(ROUTE, route, RESULT, details.getOrDefault("code", "")));
                if (route.equals("node/join")) {
                    joinRequests.add(1, Attributes.of(ROLE, "unknown", RESULT, details.getOrDefault("code", "")));
                }
            }
            default -> { }
        }
    }

    private static Attributes nodeAttributes(List<String> key) {
        AttributesBuilder attributes = Attributes.builder();
        for (int i = 0; i < ClusterFigures.NODE_LABELS.size(); i++) {
            attributes.put(ClusterFigures.NODE_LABELS.get(i), key.get(i));
        }
        return attributes.build();
    }
}
