package io.harbormaster.local;

import com.azure.core.util.Context;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.models.QueueMessageItem;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.storage.StorageClients;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A trigger queue in Azure Storage (or Azurite). Text goes through untouched: base64 is decoded by the poller, so
 * a message that is not valid base64 can still be moved to the poison queue as it was.
 */
public final class StorageTriggerQueue implements TriggerQueue {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    // Few quick retries: the poller has its own back-off and must notice an outage soon.
    private static final RequestRetryOptions RETRIES = new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 2,
            Duration.ofSeconds(30), Duration.ofMillis(200), Duration.ofSeconds(1), null);

    // The SDK warns on every request that the JDK client sets content-length itself, which is harmless and
    // would bury the host's own log; the logger is kept here because java.util.logging holds it weakly.
    private static final Logger JDK_CLIENT_LOG = Logger.getLogger("com.azure.core.http.jdk.httpclient.JdkHttpClient");

    static {
        JDK_CLIENT_LOG.setLevel(Level.SEVERE);
    }

    private final QueueClient client;

    private StorageTriggerQueue(QueueClient client) {
        this.client = client;
    }

    /**
     * The queue through the production clients, so a connection string and an identity-based connection work as in
     * the app. @throws InvalidSettingException naming the connection (never its value) when it is malformed
     */
    public static StorageTriggerQueue connect(StorageClients storage, String queueName) {
        return new StorageTriggerQueue(storage.queue(queueName, RETRIES));
    }

    @Override
    public String name() {
        return client.getQueueName();
    }

    @Override
    public void createIfNotExists() {
        client.createIfNotExists();
    }

    @Override
    public List<QueueMessage> receive(int max, Duration visibility) {
        return client.receiveMessages(max, visibility, CALL_TIMEOUT, Context.NONE).stream()
                .map(StorageTriggerQueue::toMessage)
                .toList();
    }

    @Override
    public void delete(QueueMessage message) {
        client.deleteMessage(message.id(), message.popReceipt());
    }

    @Override
    public void release(QueueMessage message, Duration visibility) {
        // No new text: only the visibility changes, the content stays as it is.
        client.updateMessage(message.id(), message.popReceipt(), null, visibility);
    }

    @Override
    public void send(String text) {
        client.sendMessage(text);
    }

    private static QueueMessage toMessage(QueueMessageItem item) {
        return new QueueMessage(item.getMessageId(), item.getPopReceipt(), item.getDequeueCount(),
                item.getInsertionTime(), item.getTimeNextVisible(), item.getExpirationTime(),
                item.getBody() == null ? "" : item.getBody().toString());
    }
}
