package io.harbormaster.local.metrics;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The local host's OpenTelemetry: an SDK whose metrics are read on demand as Prometheus text, installed as this JVM's
 * global OpenTelemetry before any function is built, as the Application Insights agent's is in Azure.
 */
public final class LocalMetrics {
    private static final Logger LOG = Logger.getLogger(LocalMetrics.class.getName());
    private static PrometheusMetricReader reader;
    private static boolean unavailable;

    private LocalMetrics() {
    }

    /**
     * Installs the SDK once per JVM. When something in this JVM took the global OpenTelemetry first (a test that built
     * the control plane in-process), metrics stay off here and {@link #prometheusText()} says so.
     */
    public static synchronized void install() {
        if (reader != null || unavailable) {
            return;
        }
        PrometheusMetricReader created = PrometheusMetricReader.create();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(created).build()).build();
        try {
            GlobalOpenTelemetry.set(sdk);
            reader = created;
        } catch (IllegalStateException e) {
            unavailable = true;
            sdk.close();
            LOG.warning("metrics: this JVM's OpenTelemetry was set before the local host started; GET /api/metrics is off");
        }
    }

    /** Every metric as Prometheus text (exposition format 0.0.4), or empty when metrics are off in this JVM. */
    public static synchronized Optional<String> prometheusText() {
        if (reader == null) {
            return Optional.empty();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, reader.collect());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.of(out.toString(StandardCharsets.UTF_8));
    }

    /** The content type of {@link #prometheusText()}. */
    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }
}
