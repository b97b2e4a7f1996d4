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
import java.util.function.Supplier;

/** The OpenTelemetry SDK with a Prometheus reader, as this JVM's global OpenTelemetry; loaded only when the SDK is there. */
final class SdkMetrics {
    private SdkMetrics() {
    }

    /** The reader's text, or empty when something in this JVM took the global OpenTelemetry first. */
    static Optional<Supplier<String>> install() {
        PrometheusMetricReader reader = PrometheusMetricReader.create();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build()).build();
        try {
            GlobalOpenTelemetry.set(sdk);
        } catch (IllegalStateException e) {
            sdk.close();
            return Optional.empty();
        }
        return Optional.of(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                PrometheusTextFormatWriter.create().write(out, reader.collect());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toString(StandardCharsets.UTF_8);
        });
    }
}
