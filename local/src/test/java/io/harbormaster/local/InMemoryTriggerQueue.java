package io.harbormaster.local;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/** A queue with Azure Storage's visibility and dequeue-count rules, in memory, for poller unit tests. */
final class InMemoryTriggerQueue implements TriggerQueue {
    private final String name;
    private final Map<String, Stored> messages = new LinkedHashMap<>();
    final AtomicInteger receiveCalls = new AtomicInteger();
    final AtomicInteger receivedMax = new AtomicInteger();
    private volatile RuntimeException outage;

    private static final class Stored {
        final String id = UUID.randomUUID().toString();
        final String text;
        final OffsetDateTime inserted = now();
        long dequeueCount;
        long visibleAtNanos = System.nanoTime();
        String popReceipt;

        Stored(String text, long dequeueCount) {
            this.text = text;
            this.dequeueCount = dequeueCount;
        }
    }

    InMemoryTriggerQueue(String name) {
        this.name = name;
    }

    /** While set, every call fails with this error, like a storage outage. */
    void failWith(RuntimeException error) {
        this.outage = error;
    }

    /** A message that was already received {@code dequeueCount} times (for crash-recovery cases). */
    synchronized void sendReceivedBefore(String text, long dequeueCount) {
        Stored stored = new Stored(text, dequeueCount);
        messages.put(stored.id, stored);
    }

    synchronized List<String> texts() {
        return messages.values().stream().map(m -> m.text).toList();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void createIfNotExists() {
        failIfOut();
    }

    @Override
    public synchronized List<QueueMessage> receive(int max, Duration visibility) {
        failIfOut();
        receiveCalls.incrementAndGet();
        receivedMax.accumulateAndGet(max, Math::max);
        long now = System.nanoTime();
        List<QueueMessage> received = new ArrayList<>();
        for (Stored stored : messages.values()) {
            if (received.size() == max) {
                break;
            }
            if (stored.visibleAtNanos <= now) {
                stored.dequeueCount++;
                stored.popReceipt = UUID.randomUUID().toString();
                stored.visibleAtNanos = now + visibility.toNanos();
                received.add(new QueueMessage(stored.id, stored.popReceipt, stored.dequeueCount, stored.inserted,
                        now().plus(visibility), stored.inserted.plusDays(7), stored.text));
            }
        }
        return received;
    }

    @Override
    public synchronized void delete(QueueMessage message) {
        failIfOut();
        messages.remove(current(message).id);
    }

    @Override
    public synchronized void release(QueueMessage message, Duration visibility) {
        failIfOut();
        Stored stored = current(message);
        stored.visibleAtNanos = System.nanoTime() + visibility.toNanos();
        stored.popReceipt = UUID.randomUUID().toString();
    }

    @Override
    public synchronized void send(String text) {
        failIfOut();
        Stored stored = new Stored(text, 0);
        messages.put(stored.id, stored);
    }

    private Stored current(QueueMessage message) {
        Stored stored = messages.get(message.id());
        if (stored == null || !stored.popReceipt.equals(message.popReceipt())) {
            throw new IllegalStateException("404 MessageNotFound / pop receipt mismatch for " + message.id());
        }
        return stored;
    }

    private void failIfOut() {
        RuntimeException error = outage;
        if (error != null) {
            throw error;
        }
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
