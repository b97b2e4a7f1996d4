package io.harbormaster.local;

import java.time.Duration;
import java.util.List;

/** The queue operations a queue trigger needs; Azure Storage in production, a fake in unit tests. */
public interface TriggerQueue {
    String name();

    void createIfNotExists();

    /** Up to {@code max} messages, each hidden from other receivers for {@code visibility}. */
    List<QueueMessage> receive(int max, Duration visibility);

    void delete(QueueMessage message);

    /** Makes a message visible again after {@code visibility}, keeping its content. */
    void release(QueueMessage message, Duration visibility);

    void send(String text);
}
