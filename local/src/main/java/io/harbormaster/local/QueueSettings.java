package io.harbormaster.local;

import java.time.Duration;

/**
 * The queue trigger settings of host.json's {@code extensions.queues}, with the Functions host's defaults for
 * anything left out.
 */
public record QueueSettings(int batchSize, int newBatchThreshold, Duration maxPollingInterval,
        Duration visibilityTimeout, int maxDequeueCount, MessageEncoding messageEncoding) {

    public static final int DEFAULT_BATCH_SIZE = 16;
    public static final Duration DEFAULT_MAX_POLLING_INTERVAL = Duration.ofMinutes(1);
    public static final Duration MIN_POLLING_INTERVAL = Duration.ofMillis(100);
    public static final int DEFAULT_MAX_DEQUEUE_COUNT = 5;
    public static final int MAX_BATCH_SIZE = 32;

    /** How message text is stored on the queue. */
    public enum MessageEncoding { BASE64, NONE }

    public static QueueSettings defaults() {
        return new QueueSettings(DEFAULT_BATCH_SIZE, DEFAULT_BATCH_SIZE / 2, DEFAULT_MAX_POLLING_INTERVAL,
                Duration.ZERO, DEFAULT_MAX_DEQUEUE_COUNT, MessageEncoding.BASE64);
    }
}
