package io.harbormaster.local;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.functions.annotation.QueueTrigger;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.config.StorageSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Polls one queue for one queue-triggered function with the Functions host's rules: batches of
 * {@code batchSize}, the next batch once in-flight work drops to {@code newBatchThreshold}, idle back-off up to
 * {@code maxPollingInterval}, failed messages released after {@code visibilityTimeout}, and messages moved to
 * {@code <queue>-poison} after {@code maxDequeueCount} failed attempts. Storage outages are logged and waited out.
 */
public final class QueueTriggerPoller implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(QueueTriggerPoller.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    private static final String DEFAULT_CONNECTION = "AzureWebJobsStorage";
    // The real host takes a message for 10 minutes and keeps renewing that; locally one lease, of
    // HARBORMASTER_LOCAL_QUEUE_LEASE, does. A run that outlasts it is delivered again, which triggers must tolerate.
    private final Duration processingVisibility;
    private static final Duration MIN_POLLING_INTERVAL = Duration.ofMillis(100);

    private final QueueFunction function;
    private final TriggerQueue queue;
    private final TriggerQueue poisonQueue;
    private final QueueSettings settings;
    private final PollingBackoff idleBackoff;
    private final PollingBackoff errorBackoff;
    private final ExecutorService workers;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private int inFlight;
    private volatile boolean running;
    /** Whether the poller is in a call to the queue (creating it, or receiving), holding no message yet. */
    private volatile boolean callingQueue;
    private volatile boolean poisonQueueCreated;
    private Thread poller;

    /** A queue-triggered function with its resolved queue name and connection. */
    public record QueueFunction(String name, String queueName, String connectionSetting, StorageSettings storage,
            FunctionInvoker invoker) {

        @Override
        public String toString() {
            return "QueueFunction[" + name + ", queue " + queueName + ", connection " + connectionSetting + "]";
        }

        public static QueueFunction of(FunctionDefinition function, AppSettings settings) {
            QueueTrigger trigger = (QueueTrigger) function.trigger();
            String queueName = SettingExpression.resolve(trigger.queueName(), settings,
                    "the queue name of function " + function.name()).toLowerCase(Locale.ROOT);
            if (!queueName.matches("^[a-z0-9](?!.*--)[a-z0-9-]{1,54}[a-z0-9]$")) {
                throw new LocalHostStartupException("Function " + function.name() + ": queue name '" + queueName
                        + "' is invalid: expected 3 to 56 lowercase letters, digits and single dashes "
                        + "(56 so that '<queue>-poison' is valid too)");
            }
            String connection = trigger.connection().isBlank() ? DEFAULT_CONNECTION : trigger.connection();
            // Like the host: the named setting (a connection string, else <connection>__queueServiceUri or
            // __accountName with the identity), else the same name prefixed with AzureWebJobs.
            StorageSettings storage;
            try {
                storage = StorageSettings.forQueueTrigger(settings, connection);
            } catch (InvalidSettingException e) {
                throw new InvalidSettingException(e.setting(), e.problem() + " (for the queue trigger of function "
                        + function.name() + ")");
            }
            FunctionInvoker invoker = FunctionInvoker.create(function, parameter -> messageArgument(
                    JSON.getTypeFactory().constructType(parameter.getParameterizedType())));
            return new QueueFunction(function.name(), queueName, storage.connection(), storage, invoker);
        }

        public String describe() {
            return name + ": queue " + queueName + " (connection " + connectionSetting + ")";
        }

        private static FunctionInvoker.TriggerArgument messageArgument(JavaType type) {
            if (type.getRawClass() == String.class || type.getRawClass() == Object.class) {
                return body -> new String((byte[]) body, StandardCharsets.UTF_8);
            }
            if (type.getRawClass() == byte[].class) {
                return body -> body;
            }
            return body -> JSON.readValue((byte[]) body, type);
        }
    }

    public QueueTriggerPoller(QueueFunction function, TriggerQueue queue, TriggerQueue poisonQueue,
            QueueSettings settings) {
        this(function, queue, poisonQueue, settings, LocalHostSettings.DEFAULT_QUEUE_LEASE);
    }

    /** @param processingVisibility how long a received message stays invisible while it is processed */
    public QueueTriggerPoller(QueueFunction function, TriggerQueue queue, TriggerQueue poisonQueue,
            QueueSettings settings, Duration processingVisibility) {
        this.processingVisibility = processingVisibility;
        this.function = function;
        this.queue = queue;
        this.poisonQueue = poisonQueue;
        this.settings = settings;
        this.idleBackoff = new PollingBackoff(MIN_POLLING_INTERVAL, settings.maxPollingInterval());
        this.errorBackoff = new PollingBackoff(Duration.ofMillis(500),
                max(Duration.ofMinutes(1), settings.maxPollingInterval()));
        AtomicInteger counter = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(settings.batchSize() + settings.newBatchThreshold(), runnable -> {
            Thread thread = new Thread(runnable, "queue-" + function.name() + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    public void start() {
        running = true;
        poller = new Thread(this::pollLoop, "queue-poller-" + function.name());
        poller.setDaemon(true);
        poller.start();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    /** Stops polling and lets messages in progress finish for up to {@code grace}. */
    public void close(Duration grace) {
        running = false;
        signal();
        try {
            if (poller != null) {
                long deadline = System.nanoTime() + grace.toNanos();
                while (poller.isAlive() && System.nanoTime() < deadline) {
                    // A storage call under way when the JVM shuts down was seen never to return (the host's close
                    // then took the grace once per queue function): the poller holds no message there, so it is
                    // interrupted rather than waited for. Messages such a call took reappear after their visibility.
                    if (callingQueue) {
                        poller.interrupt();
                    }
                    poller.join(20);
                }
                if (poller.isAlive()) {
                    poller.interrupt();
                }
            }
            workers.shutdown();
            if (!workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warning("Function " + function.name() + " still processing queue messages after "
                        + grace.toMillis() + " ms; interrupting; they will reappear on the queue");
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void pollLoop() {
        boolean queueExists = false;
        while (running) {
            try {
                if (!awaitCapacity()) {
                    return;
                }
                List<QueueMessage> batch;
                callingQueue = true;
                try {
                    if (!queueExists) {
                        queue.createIfNotExists();
                        queueExists = true;
                    }
                    batch = queue.receive(settings.batchSize(), processingVisibility);
                } finally {
                    callingQueue = false;
                }
                errorBackoff.reset();
                if (batch.isEmpty()) {
                    pause(idleBackoff.next());
                    continue;
                }
                idleBackoff.reset();
                for (QueueMessage message : batch) {
                    changeInFlight(+1);
                    workers.execute(() -> process(message));
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                Duration delay = errorBackoff.next();
                LOG.warning("Queue trigger of function " + function.name() + " cannot use queue " + queue.name()
                        + ": " + RedactedError.describe(e) + "; retrying in " + delay.toMillis() + " ms");
                pause(delay);
            }
        }
    }

    private void process(QueueMessage message) {
        try {
            // The host's rule before invoking: a message already past the limit (a crash mid-run) goes straight
            // to poison; after a failed run, the limit itself is enough.
            if (message.dequeueCount() > settings.maxDequeueCount()) {
                moveToPoison(message, "its dequeue count " + message.dequeueCount() + " exceeds MaxDequeueCount of "
                        + settings.maxDequeueCount());
                return;
            }
            Optional<byte[]> body = decode(message.text());
            if (body.isEmpty()) {
                moveToPoison(message, "it is not valid base64 (host.json extensions.queues.messageEncoding is "
                        + "base64)");
                return;
            }
            if (invoke(message, body.get())) {
                queue.delete(message);
            } else if (message.dequeueCount() >= settings.maxDequeueCount()) {
                moveToPoison(message, "it has reached MaxDequeueCount of " + settings.maxDequeueCount());
            } else {
                queue.release(message, settings.visibilityTimeout());
            }
        } catch (RuntimeException e) {
            LOG.warning("Queue trigger of function " + function.name() + " could not settle message "
                    + message.id() + " on queue " + queue.name() + ": " + RedactedError.describe(e)
                    + "; it reappears when its visibility times out");
        } finally {
            changeInFlight(-1);
        }
    }

    private boolean invoke(QueueMessage message, byte[] body) {
        LocalExecutionContext context = LocalExecutionContext.newInvocation(function.name(), null, null);
        Map<String, Object> bindingData = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        bindingData.put("QueueTrigger", new String(body, StandardCharsets.UTF_8));
        bindingData.put("DequeueCount", message.dequeueCount());
        bindingData.put("Id", message.id());
        bindingData.put("PopReceipt", message.popReceipt());
        putIfPresent(bindingData, "InsertionTime", message.insertionTime());
        putIfPresent(bindingData, "NextVisibleTime", message.nextVisibleTime());
        putIfPresent(bindingData, "ExpirationTime", message.expirationTime());
        long started = System.nanoTime();
        LOG.info(() -> "Executing 'Functions." + function.name() + "' (Reason='New queue message detected on '"
                + queue.name() + "'.', Id=" + context.getInvocationId() + ", DequeueCount="
                + message.dequeueCount() + ")");
        try {
            function.invoker().invoke(new FunctionInvoker.Invocation(body, bindingData, context));
            LOG.info(() -> "Executed 'Functions." + function.name() + "' (Succeeded, Id="
                    + context.getInvocationId() + ", Duration=" + millisSince(started) + "ms)");
            return true;
        } catch (FunctionInvoker.FunctionFailedException e) {
            LOG.log(Level.SEVERE, "Executed 'Functions." + function.name() + "' (Failed, Id="
                    + context.getInvocationId() + ", Duration=" + millisSince(started) + "ms)", e.getCause());
            return false;
        }
    }

    private void moveToPoison(QueueMessage message, String reason) {
        LOG.warning("Moving message " + message.id() + " of queue " + queue.name() + " to queue '"
                + poisonQueue.name() + "': " + reason);
        if (!poisonQueueCreated) {
            poisonQueue.createIfNotExists();
            poisonQueueCreated = true;
        }
        poisonQueue.send(message.text());
        queue.delete(message);
    }

    private Optional<byte[]> decode(String text) {
        if (settings.messageEncoding() == QueueSettings.MessageEncoding.NONE) {
            return Optional.of(text.getBytes(StandardCharsets.UTF_8));
        }
        try {
            return Optional.of(Base64.getDecoder().decode(text.strip()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private boolean awaitCapacity() {
        lock.lock();
        try {
            while (running && inFlight > settings.newBatchThreshold()) {
                changed.await();
            }
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void pause(Duration delay) {
        lock.lock();
        try {
            long nanos = delay.toNanos();
            while (running && nanos > 0) {
                nanos = changed.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    private void changeInFlight(int delta) {
        lock.lock();
        try {
            inFlight += delta;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static void putIfPresent(Map<String, Object> data, String name, Object value) {
        if (value != null) {
            data.put(name, value);
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static long millisSince(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }
}
