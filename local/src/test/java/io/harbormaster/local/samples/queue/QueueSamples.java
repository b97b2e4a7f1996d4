package io.harbormaster.local.samples.queue;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.QueueTrigger;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A queue function that records every attempt, fails on messages starting with "fail" and takes 300 ms over
 * messages starting with "slow".
 */
public class QueueSamples {
    /** One invocation as the function saw it. */
    public record Attempt(String message, long dequeueCount, String id, String popReceipt,
            OffsetDateTime insertionTime, String expirationTime, String invocationId, long atMillis) {
    }

    public static final Queue<Attempt> ATTEMPTS = new ConcurrentLinkedQueue<>();
    public static final AtomicInteger SLOW_RUNNING = new AtomicInteger();
    public static final AtomicInteger SLOW_MAX_RUNNING = new AtomicInteger();

    public static List<Attempt> attemptsFor(String message) {
        return ATTEMPTS.stream().filter(a -> a.message().equals(message)).toList();
    }

    @FunctionName("work")
    public void work(
            @QueueTrigger(name = "message", queueName = "%HARBORMASTER_TEST_QUEUE%", connection = "AzureWebJobsStorage")
            String message,
            @BindingName("DequeueCount") long dequeueCount,
            @BindingName("Id") String id,
            @BindingName("PopReceipt") String popReceipt,
            @BindingName("InsertionTime") OffsetDateTime insertionTime,
            @BindingName("ExpirationTime") String expirationTime,
            ExecutionContext context) throws InterruptedException {
        ATTEMPTS.add(new Attempt(message, dequeueCount, id, popReceipt, insertionTime, expirationTime,
                context.getInvocationId(), System.currentTimeMillis()));
        if (message.startsWith("slow")) {
            SLOW_MAX_RUNNING.accumulateAndGet(SLOW_RUNNING.incrementAndGet(), Math::max);
            try {
                Thread.sleep(300);
            } finally {
                SLOW_RUNNING.decrementAndGet();
            }
        }
        if (message.startsWith("fail")) {
            throw new IllegalStateException("failing on purpose: " + message);
        }
    }
}
