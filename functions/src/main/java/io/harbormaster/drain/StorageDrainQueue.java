package io.harbormaster.drain;

import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.storage.DelayedQueue;
import io.harbormaster.storage.StorageClients;
import java.time.Duration;

/** The drain queue on Azure Storage, in the plain-text encoding host.json tells the trigger to expect. */
public final class StorageDrainQueue implements DrainQueue {
    private final DelayedQueue queue;

    StorageDrainQueue(DelayedQueue queue) {
        this.queue = queue;
    }

    public static StorageDrainQueue connect(StorageSettings settings, String queueName) {
        return connect(StorageClients.connect(settings), queueName);
    }

    public static StorageDrainQueue connect(StorageClients storage, String queueName) {
        return new StorageDrainQueue(new DelayedQueue(storage.queue(queueName,
                new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3, 10, 200L, 2000L, null))));
    }

    /** Creates the queue when missing; called once at startup. */
    public StorageDrainQueue ensureQueue() {
        queue.ensureQueue();
        return this;
    }

    @Override
    public void send(DrainMessage message, Duration delay) {
        // A drain request that silently aged out would be a drain lost: the queue's messages never expire.
        queue.send(DrainCodec.message(message), delay);
    }
}
