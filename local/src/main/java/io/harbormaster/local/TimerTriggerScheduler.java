package io.harbormaster.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.TimerTriggerSchedule;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs timer-triggered functions on their schedules (in UTC). Like the Functions host's singleton lock, a timer
 * never runs twice at once: a tick that comes while the previous run is still going is skipped.
 */
public final class TimerTriggerScheduler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TimerTriggerScheduler.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter DOTNET_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx");
    private static final String NEVER = "0001-01-01T00:00:00+00:00";

    private final List<ScheduledTimer> timers;
    private final Clock clock;
    private final ScheduledExecutorService ticks;
    private final ExecutorService workers;

    /** A timer function with its resolved schedule. */
    public record TimerFunction(String name, TimerTriggerSchedule schedule, boolean runOnStartup,
            FunctionInvoker invoker) {

        public static TimerFunction of(FunctionDefinition function, AppSettings settings) {
            TimerTrigger trigger = (TimerTrigger) function.trigger();
            String expression = SettingExpression.resolve(trigger.schedule(), settings,
                    "the schedule of function " + function.name());
            TimerTriggerSchedule schedule;
            try {
                schedule = TimerTriggerSchedule.parse(expression);
            } catch (IllegalArgumentException e) {
                String source = trigger.schedule().equals(expression) ? "" : " (from " + trigger.schedule() + ")";
                throw new LocalHostStartupException("Function " + function.name() + ": schedule" + source + " "
                        + e.getMessage());
            }
            FunctionInvoker invoker = FunctionInvoker.create(function, parameter -> {
                if (parameter.getType() != String.class && parameter.getType() != Object.class) {
                    throw new LocalHostStartupException("Function " + function.name() + " (" + function.location()
                            + "): the @TimerTrigger parameter must be a String (the timer information as JSON)");
                }
                return value -> value;
            });
            return new TimerFunction(function.name(), schedule, TimerTriggerScheduler.runOnStartup(trigger), invoker);
        }

        /** The listing line, e.g. {@code cleanup: timer 0 0 * * * * (next 2026-11-25T11:00:00Z)}. */
        public String describe(ZonedDateTime now) {
            return name + ": timer " + schedule + " (next " + schedule.next(now).toInstant()
                    + (runOnStartup ? ", runs on startup" : "") + ")";
        }
    }

    /**
     * Whether a timer annotation asks to run at startup. Library 3.2.3's {@code @TimerTrigger} has no such
     * element; a later one that adds {@code runOnStartup()} is honoured.
     */
    public static boolean runOnStartup(Annotation trigger) {
        try {
            Method element = trigger.annotationType().getMethod("runOnStartup");
            return element.getReturnType() == boolean.class && (boolean) element.invoke(trigger);
        } catch (NoSuchMethodException e) {
            return false;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot read runOnStartup of " + trigger, e);
        }
    }

    public TimerTriggerScheduler(List<TimerFunction> functions, Clock clock) {
        this.clock = clock;
        this.timers = functions.stream().map(ScheduledTimer::new).toList();
        this.ticks = Executors.newSingleThreadScheduledExecutor(daemon("timer-ticks", new AtomicInteger()));
        this.workers = Executors.newCachedThreadPool(daemon("timer-worker", new AtomicInteger()));
    }

    public void start() {
        for (ScheduledTimer timer : timers) {
            timer.start(now());
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    /** Stops the ticks, then lets running functions finish for up to {@code grace}. */
    public void close(Duration grace) {
        ticks.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warning("Timer functions still running after " + grace.toMillis() + " ms; interrupting them");
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private ZonedDateTime now() {
        return ZonedDateTime.now(clock).withZoneSameInstant(ZoneOffset.UTC);
    }

    /** What the host knows about a timer's runs; passed to the function as the host passes it. */
    private record ScheduleStatus(ZonedDateTime last, ZonedDateTime next, ZonedDateTime lastUpdated) {
    }

    private final class ScheduledTimer {
        private final TimerFunction function;
        private final AtomicBoolean running = new AtomicBoolean();
        private volatile ScheduleStatus status;

        ScheduledTimer(TimerFunction function) {
            this.function = function;
        }

        void start(ZonedDateTime now) {
            status = new ScheduleStatus(null, function.schedule().next(now), now);
            if (function.runOnStartup()) {
                runIfIdle(status.next(), false, "startup");
            }
            scheduleAfter(now);
        }

        private void scheduleAfter(ZonedDateTime base) {
            ZonedDateTime next = function.schedule().next(base);
            long delay = Math.max(0, Duration.between(now(), next).toMillis());
            try {
                ticks.schedule(() -> tick(next), delay, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // closing
            }
        }

        private void tick(ZonedDateTime scheduledAt) {
            ZonedDateTime now = now();
            // The tick may run a hair before its wall-clock time; never schedule the same occurrence twice.
            scheduleAfter(now.isAfter(scheduledAt) ? now : scheduledAt);
            runIfIdle(scheduledAt, true, "Timer fired at " + scheduledAt.toInstant());
        }

        private void runIfIdle(ZonedDateTime scheduledAt, boolean scheduled, String reason) {
            if (!running.compareAndSet(false, true)) {
                LOG.info(() -> "Skipped 'Functions." + function.name() + "' at " + scheduledAt.toInstant()
                        + ": the previous run is still going");
                return;
            }
            ZonedDateTime now = now();
            ScheduleStatus before = status;
            // As on the real host, Next is the occurrence being run: the status as it was before this run.
            String timerInfo = timerInfo(before.last(), scheduled ? scheduledAt : before.next(), before.lastUpdated(),
                    Duration.between(scheduledAt, now).compareTo(Duration.ofSeconds(1)) > 0 && scheduled);
            if (scheduled) {
                status = new ScheduleStatus(scheduledAt, function.schedule().next(scheduledAt), now);
            }
            try {
                workers.execute(() -> run(reason, timerInfo));
            } catch (RejectedExecutionException e) {
                running.set(false);
            }
        }

        private void run(String reason, String timerInfo) {
            LocalExecutionContext context = LocalExecutionContext.newInvocation(function.name(), null, null);
            long started = System.nanoTime();
            LOG.info(() -> "Executing 'Functions." + function.name() + "' (Reason='" + reason + "', Id="
                    + context.getInvocationId() + ")");
            try {
                function.invoker().invoke(new FunctionInvoker.Invocation(timerInfo, Map.of(), context));
                LOG.info(() -> "Executed 'Functions." + function.name() + "' (Succeeded, Id="
                        + context.getInvocationId() + ", Duration=" + millisSince(started) + "ms)");
            } catch (FunctionInvoker.FunctionFailedException e) {
                LOG.log(Level.SEVERE, "Executed 'Functions." + function.name() + "' (Failed, Id="
                        + context.getInvocationId() + ", Duration=" + millisSince(started) + "ms)", e.getCause());
            } finally {
                running.set(false);
            }
        }
    }

    // The JSON the Functions host passes to a String timer parameter.
    private static String timerInfo(ZonedDateTime last, ZonedDateTime next, ZonedDateTime lastUpdated,
            boolean pastDue) {
        ObjectNode info = JSON.createObjectNode();
        info.putObject("Schedule").put("AdjustForDST", true);
        ObjectNode status = info.putObject("ScheduleStatus");
        status.put("Last", last == null ? NEVER : DOTNET_TIME.format(last));
        status.put("Next", DOTNET_TIME.format(next));
        status.put("LastUpdated", DOTNET_TIME.format(lastUpdated));
        info.put("IsPastDue", pastDue);
        return info.toString();
    }

    private static long millisSince(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name, AtomicInteger counter) {
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
