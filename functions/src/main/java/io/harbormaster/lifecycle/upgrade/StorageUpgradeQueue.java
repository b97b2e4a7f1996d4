package io.harbormaster.lifecycle.upgrade;

import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.harbormaster.storage.DelayedQueue;
import io.harbormaster.storage.StorageClients;
import java.time.Duration;

/** The upgrade queue on Azure Storage, through the same delayed, never-expiring sends as the drain queue. */
public final class StorageUpgradeQueue implements UpgradeQueue {
    private final DelayedQueue queue;

    StorageUpgradeQueue(DelayedQueue queue) {
        this.queue = queue;
    }

    public static StorageUpgradeQueue connect(StorageClients storage) {
        return new StorageUpgradeQueue(new DelayedQueue(storage.queue(NAME,
                new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3, 10, 200L, 2000L, null))));
    }

    /** Creates the queue when missing. */
    public StorageUpgradeQueue ensureQueue() {
        queue.ensureQueue();
        return this;
    }

    @Override
    public void send(UpgradeCodec.Message message, Duration delay) {
        queue.send(UpgradeCodec.message(message), delay);
    }
}
