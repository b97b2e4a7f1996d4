package io.harbormaster.local;

import com.microsoft.azure.functions.annotation.HttpTrigger;
import com.microsoft.azure.functions.annotation.QueueTrigger;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.functions.StartupTrace;
import io.harbormaster.local.metrics.LocalMetrics;
import io.harbormaster.storage.OnFirstUse;
import io.harbormaster.storage.StorageClients;
import java.io.PrintStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Logger;

/**
 * The embedded local Functions host: discovers the {@code @FunctionName} methods of the configured packages and
 * serves their HTTP, timer and queue triggers as the Azure Functions host would. Start it with
 * {@link #start(LocalHostOptions)} (tests) or {@link #main(String[])}.
 */
public final class LocalHost implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LocalHost.class.getName());
    private static final Duration GRACE = Duration.ofSeconds(5);

    private final HttpTriggerServer http;
    private final TimerTriggerScheduler timers;
    private final List<QueueTriggerPoller> pollers;
    private final String routePrefix;
    private final List<String> listing;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private LocalHost(HttpTriggerServer http, TimerTriggerScheduler timers, List<QueueTriggerPoller> pollers,
            String routePrefix, List<String> listing) {
        this.http = http;
        this.timers = timers;
        this.pollers = pollers;
        this.routePrefix = routePrefix;
        this.listing = listing;
    }

    public static void main(String[] args) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null
                && System.getProperty("java.util.logging.config.file") == null) {
            for (Handler handler : Logger.getLogger("").getHandlers()) {
                if (handler instanceof ConsoleHandler) {
                    handler.setFormatter(new ConsoleLineFormatter());
                }
            }
        }
        LocalHostOptions options = LocalHostOptions.fromEnvironment();
        if (args.length > 0) {
            options = options.withPackages(List.of(args));
        }
        LocalHost host;
        try {
            host = start(options);
        } catch (InvalidSettingException | LocalHostStartupException e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(host::close, "local-host-shutdown"));
        host.awaitClose();
    }

    /**
     * Starts every function of the options' packages; fails with {@link InvalidSettingException} or
     * {@link LocalHostStartupException} (one clear message each) before anything listens.
     */
    public static LocalHost start(LocalHostOptions options) {
        long started = System.nanoTime();
        StartupTrace.mark("local host: start");
        // Before any function class is built: the control plane's metrics bind to the global OpenTelemetry.
        LocalMetrics.install();
        AppSettings appSettings = new AppSettings(options.settings());
        LocalHostSettings settings = LocalHostSettings.read(appSettings);
        HostJson hostJson = HostJson.read(settings.hostJson(), settings.hostJsonRequired());
        StartupTrace.mark("local host: settings read");
        FunctionCatalog catalog = FunctionCatalog.discover(options.packages(), classLoader());
        StartupTrace.mark("local host: functions discovered and constructed");

        List<HttpRoute> routes = new ArrayList<>();
        List<TimerTriggerScheduler.TimerFunction> timerFunctions = new ArrayList<>();
        List<QueueTriggerPoller.QueueFunction> queueFunctions = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (FunctionDefinition function : catalog.functions()) {
            if (function.trigger() instanceof HttpTrigger) {
                routes.add(HttpRoute.of(function));
            } else if (function.trigger() instanceof TimerTrigger) {
                timerFunctions.add(TimerTriggerScheduler.TimerFunction.of(function, appSettings));
            } else if (function.trigger() instanceof QueueTrigger) {
                queueFunctions.add(QueueTriggerPoller.QueueFunction.of(function, appSettings));
            } else {
                skipped.add(function.name() + ": skipped, " + function.triggerType()
                        + " is not supported by the local host");
            }
        }
        List<QueueTriggerPoller> pollers = new ArrayList<>();
        for (QueueTriggerPoller.QueueFunction function : queueFunctions) {
            // Validated now, built by the poller's first poll: the SDK's clients are not what the first HTTP call
            // should wait for, as the Functions host in Azure serves HTTP while its queue listeners start.
            StorageClients storage = StorageClients.connect(function.storage()).validated();
            pollers.add(new QueueTriggerPoller(function,
                    onFirstUse(storage, function.queueName()),
                    onFirstUse(storage, function.queueName() + "-poison"),
                    hostJson.queues(), settings.queueLease()));
        }

        if (!settings.keys().enabled()) {
            LOG.warning("HTTP KEY CHECKS ARE DISABLED (" + LocalHostSettings.AUTH + "=disabled): every function, "
                    + "even FUNCTION and ADMIN level ones, answers without a key. Use this only on a trusted machine.");
        }
        HttpTriggerServer http = new HttpTriggerServer(routes, settings.keys(), hostJson.routePrefix());
        http.start(settings.bindAddress(), settings.port(), settings.threads());
        StartupTrace.mark("local host: listening");
        TimerTriggerScheduler timers = new TimerTriggerScheduler(timerFunctions, Clock.systemUTC());
        timers.start();
        pollers.forEach(QueueTriggerPoller::start);

        String baseUrl = "http://localhost:" + http.port() + "/" + (hostJson.routePrefix().isEmpty() ? ""
                : hostJson.routePrefix() + "/");
        ZonedDateTime now = ZonedDateTime.now(Clock.systemUTC());
        List<String> listing = new ArrayList<>();
        routes.forEach(route -> listing.add(route.describe(baseUrl)));
        timerFunctions.forEach(timer -> listing.add(timer.describe(now)));
        queueFunctions.forEach(queue -> listing.add(queue.describe()));
        listing.addAll(skipped);
        listing.sort(String.CASE_INSENSITIVE_ORDER);

        LocalHost host = new LocalHost(http, timers, List.copyOf(pollers), hostJson.routePrefix(), List.copyOf(listing));
        PrintStream console = options.console();
        console.println("Functions:");
        listing.forEach(line -> console.println("  " + line));
        console.println("Host started in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
        return host;
    }

    /** The port the HTTP triggers listen on (the ephemeral one when the port setting was 0). */
    public int port() {
        return http.port();
    }

    /** {@code http://localhost:<port>/api/}: resolve a function's route against it. */
    public URI baseUri() {
        return URI.create("http://localhost:" + port() + "/" + (routePrefix.isEmpty() ? "" : routePrefix + "/"));
    }

    /** One line per function, as printed at startup. */
    public List<String> listing() {
        return listing;
    }

    /** Blocks until {@link #close()} has run. */
    public void awaitClose() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops taking work, lets work in progress finish (a few seconds at most) and stops every trigger. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            http.close(GRACE);
            timers.close(GRACE);
            pollers.forEach(poller -> poller.close(GRACE));
        } finally {
            stopped.countDown();
        }
    }

    private static TriggerQueue onFirstUse(StorageClients storage, String queueName) {
        return new OnFirstUse<TriggerQueue>(queueName, () -> StorageTriggerQueue.connect(storage, queueName))
                .as(TriggerQueue.class);
    }

    private static ClassLoader classLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : LocalHost.class.getClassLoader();
    }
}
