package io.harbormaster.local.metrics;

import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The local host's OpenTelemetry: an SDK whose metrics are read on demand as Prometheus text, installed as this JVM's
 * global OpenTelemetry before any function is built, as the Application Insights agent's is in Azure. This class names
 * no SDK type: the shipped package runs on the local host without the SDK (Azure's agent brings its own), and then
 * metrics are off here.
 */
public final class LocalMetrics {
    private static final Logger LOG = Logger.getLogger(LocalMetrics.class.getName());
    private static final String SDK = "io.opentelemetry.sdk.OpenTelemetrySdk";
    private static Supplier<String> text;
    private static String off;

    private LocalMetrics() {
    }

    /** Installs the SDK once per JVM, when it is on the classpath and nothing in this JVM took OpenTelemetry first. */
    public static synchronized void install() {
        if (text != null || off != null) {
            return;
        }
        try {
            Class.forName(SDK, false, LocalMetrics.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            off = "the OpenTelemetry SDK is not on this host's classpath";
            LOG.info("metrics: " + off + "; GET /api/metrics is off");
            return;
        }
        Optional<Supplier<String>> installed = SdkMetrics.install();
        if (installed.isPresent()) {
            text = installed.get();
        } else {
            off = "this JVM's OpenTelemetry was set before the local host started";
            LOG.warning("metrics: " + off + "; GET /api/metrics is off");
        }
    }

    /** Every metric as Prometheus text (exposition format 0.0.4), or empty when metrics are off in this JVM. */
    public static synchronized Optional<String> prometheusText() {
        return text == null ? Optional.empty() : Optional.of(text.get());
    }

    /** Why metrics are off, when they are. */
    public static synchronized String whyOff() {
        return off == null ? "metrics are not installed yet" : off;
    }

    /** The content type of {@link #prometheusText()}. */
    public static String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }
}
