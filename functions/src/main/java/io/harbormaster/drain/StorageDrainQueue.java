package io.harbormaster.drain;

import com.azure.core.util.Context;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import com.azure.storage.queue.QueueClient;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.storage.StorageClients;
import java.time.Duration;

/** The drain queue on Azure Storage, in the plain-text encoding host.json tells the trigger to expect. */
public final class StorageDrainQueue implements DrainQueue {
    // -1: the message never expires. A drain request that silently aged out would be a drain lost.
    private static final Duration NEVER = Duration.ofSeconds(-1);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final QueueClient client;

    StorageDrainQueue(QueueClient client) {
        this.client = client;
    }

    public static StorageDrainQueue connect(StorageSettings settings, String queueName) {
        return connect(StorageClients.connect(settings), queueName);
    }

    public static StorageDrainQueue connect(StorageClients storage, String queueName) {
        return new StorageDrainQueue(storage.queue(queueName,
                new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3, 10, 200L, 2000L, null)));
    }

    /** Creates the queue when missing; called once at startup. */
    public StorageDrainQueue ensureQueue() {
        client.createIfNotExists();
        return this;
    }

    @Override
    public void send(DrainMessage message, Duration delay) {
        // Storage queues count visibility in whole seconds and the SDK truncates: 1.5 s would come back after 1 s.
        Duration visibility = Duration.ofSeconds(delay.toSeconds() + (delay.toNanosPart() > 0 ? 1 : 0));
        client.sendMessageWithResponse(DrainCodec.message(message), visibility, NEVER, CALL_TIMEOUT, Context.NONE);
    }
}
