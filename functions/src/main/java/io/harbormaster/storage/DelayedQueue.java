package io.harbormaster.storage;

import com.azure.core.util.Context;
import com.azure.storage.queue.QueueClient;
import java.time.Duration;

/**
 * A storage queue that carries a state machine's next step: each message is sent invisible for its delay and never
 * expires (a step that silently aged out would stop the machine), in the plain-text encoding host.json expects.
 */
public final class DelayedQueue {
    // -1: the message never expires.
    private static final Duration NEVER = Duration.ofSeconds(-1);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final QueueClient client;

    public DelayedQueue(QueueClient client) {
        this.client = client;
    }

    /** Creates the queue when missing. */
    public DelayedQueue ensureQueue() {
        client.createIfNotExists();
        return this;
    }

    public void send(String text, Duration delay) {
        // Storage queues count visibility in whole seconds and the SDK truncates: 1.5 s would come back after 1 s.
        Duration visibility = Duration.ofSeconds(delay.toSeconds() + (delay.toNanosPart() > 0 ? 1 : 0));
        client.sendMessageWithResponse(text, visibility, NEVER, CALL_TIMEOUT, Context.NONE);
    }

    /**
     * Whether a message sent for step {@code messageStep} may run a pass of a machine now at {@code currentStep}: the
     * current step's message, or the previous step's when its own earlier delivery (same message id) recorded the step
     * and may have died before it sent the follow-up. Any other message is stale, so a duplicate acts at most once.
     */
    public static boolean accepts(long messageStep, long currentStep, String messageId, String claimedBy) {
        return messageStep == currentStep
                || messageStep == currentStep - 1 && messageId != null && messageId.equals(claimedBy);
    }
}
