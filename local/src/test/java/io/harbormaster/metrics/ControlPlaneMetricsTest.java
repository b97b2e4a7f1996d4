package io.harbormaster.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import io.harbormaster.testsupport.InMemoryAuditTrail;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The metrics through the real OpenTelemetry SDK, read as the local host's Prometheus endpoint reads them. */
class ControlPlaneMetricsTest {
    private static final Instant NOW = Instant.parse("2026-12-06T18:00:00Z");

    private final PrometheusMetricReader reader = PrometheusMetricReader.create();
    private final SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader).build();
    private final ControlPlaneMetrics metrics = new ControlPlaneMetrics(provider.get(ControlPlaneMetrics.SCOPE));

    private String text() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, reader.collect());
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void assertHas(String text, String line) {
        assertTrue(text.lines().anyMatch(candidate -> candidate.startsWith(line)), "no line starting " + line + " in:\n" + text);
    }

    @Test
    void gaugesReportWhatTheLastCheckSaw() throws Exception {
        metrics.observe(new ClusterFigures(Map.of(List.of("ready", "active", "worker", "default"), 3L,
                List.of("down", "drain", "worker", "default"), 1L), 4, 4, 10, 6, Map.of("draining", 1L), Instant.now()));
        String text = text();
        assertHas(text, "harbormaster_nodes{availability=\"active\",otel_scope_name=\"io.harbormaster\",pool=\"default\",role=\"worker\",state=\"ready\"} 3");
        assertHas(text, "harbormaster_tasks_pending{otel_scope_name=\"io.harbormaster\"} 4");
        assertHas(text, "harbormaster_tasks_pending_at_maximum{otel_scope_name=\"io.harbormaster\"} 4");
        assertHas(text, "harbormaster_replicas_desired{otel_scope_name=\"io.harbormaster\"} 10");
        assertHas(text, "harbormaster_replicas_running{otel_scope_name=\"io.harbormaster\"} 6");
        assertHas(text, "harbormaster_drains{otel_scope_name=\"io.harbormaster\",state=\"draining\"} 1");
    }

    @Test
    void figuresOlderThanTwoMinutesAreNotReported() throws Exception {
        metrics.observe(new ClusterFigures(Map.of(List.of("ready", "active", "worker", "default"), 3L), 4, 0, 10, 6,
                Map.of(), Instant.now().minus(Duration.ofMinutes(3))));
        String text = text();
        assertTrue(text.lines().noneMatch(line -> line.startsWith("harbormaster_nodes{")
                || line.startsWith("harbormaster_tasks_pending{")), "another instance's stale figures:\n" + text);
    }

    @Test
    void auditEventsAreCountedAsTheyAreRecorded() throws Exception {
        InMemoryAuditTrail stored = new InMemoryAuditTrail();
        var trail = metrics.metered(stored);
        trail.record(AuditEvent.of(NOW, AuditKind.SCALE_OUT, "scale set", "pending", "outcome", "started"));
        trail.record(AuditEvent.of(NOW, AuditKind.GUARD_TRIPPED, "capacity", "vanished"));
        trail.record(AuditEvent.of(NOW, AuditKind.CALLER_REFUSED, "agent_1", "bad", "route", "node/join", "code", "bad_signature"));
        trail.record(AuditEvent.of(NOW.plusSeconds(42), AuditKind.DRAIN_STATE, "agent-2", "scale-in", "to", "removed",
                "finished", "true", "reason", "scale-in", "requestedAt", NOW.toString()));
        metrics.checkFinished(Duration.ofMillis(80), "ok");
        metrics.joinServed("worker");
        metrics.armThrottled("PATCH");
        String text = text();
        assertTrue(stored.all().size() == 4, "every event is still stored");
        assertHas(text, "harbormaster_scale_actions_total{kind=\"scale-out\",otel_scope_name=\"io.harbormaster\",outcome=\"started\"} 1");
        assertHas(text, "harbormaster_guard_trips_total{otel_scope_name=\"io.harbormaster\"} 1");
        assertHas(text, "harbormaster_callers_refused_total{otel_scope_name=\"io.harbormaster\",result=\"bad_signature\",route=\"node/join\"} 1");
        assertHas(text, "harbormaster_join_requests_total{otel_scope_name=\"io.harbormaster\",result=\"bad_signature\",role=\"unknown\"} 1");
        assertHas(text, "harbormaster_join_requests_total{otel_scope_name=\"io.harbormaster\",result=\"served\",role=\"worker\"} 1");
        assertHas(text, "harbormaster_drain_duration_seconds_sum{otel_scope_name=\"io.harbormaster\",reason=\"scale-in\",state=\"removed\"} 42");
        assertHas(text, "harbormaster_capacity_check_duration_seconds_count{otel_scope_name=\"io.harbormaster\",outcome=\"ok\"} 1");
        assertHas(text, "harbormaster_arm_throttled_total{operation=\"PATCH\",otel_scope_name=\"io.harbormaster\"} 1");
    }
}
