package io.harbormaster.local;

import io.harbormaster.testsupport.CapturedLogs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.AppSettings;
import io.harbormaster.local.samples.queue.QueueSamples;
import io.harbormaster.local.samples.queue.QueueSamples.Attempt;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The poller's rules against an in-memory queue that keeps Azure Storage's visibility and dequeue counts. */
class QueueTriggerPollerTest {
    private static final QueueSettings.MessageEncoding NONE = QueueSettings.MessageEncoding.NONE;

    private final InMemoryTriggerQueue queue = new InMemoryTriggerQueue("unit-q");
    private final InMemoryTriggerQueue poison = new InMemoryTriggerQueue("unit-q-poison");
    private QueueTriggerPoller poller;

    private static QueueTriggerPoller.QueueFunction sampleFunction() {
        FunctionDefinition work = FunctionCatalog.discover(List.of("io.harbormaster.local.samples.queue"),
                QueueTriggerPollerTest.class.getClassLoader()).functions().get(0);
        return QueueTriggerPoller.QueueFunction.of(work, new AppSettings(Map.of(
                "HARBORMASTER_TEST_QUEUE", "unit-q", "AzureWebJobsStorage", "UseDevelopmentStorage=true")));
    }

    private static QueueTriggerPoller.QueueFunction sampleFunction(Map<String, String> storage) {
        FunctionDefinition work = FunctionCatalog.discover(List.of("io.harbormaster.local.samples.queue"),
                QueueTriggerPollerTest.class.getClassLoader()).functions().get(0);
        Map<String, String> settings = new java.util.HashMap<>(storage);
        settings.put("HARBORMASTER_TEST_QUEUE", "unit-q");
        return QueueTriggerPoller.QueueFunction.of(work, new AppSettings(settings));
    }

    @Test
    void theConnectionResolvesToAnIdentityBasedQueueServiceAsTheFunctionsHostDoes() {
        QueueTriggerPoller.QueueFunction function = sampleFunction(Map.of(
                "AzureWebJobsStorage__queueServiceUri", "https://127.0.0.1:10444/devstoreaccount1"));
        assertTrue(function.storage().identityBased());
        assertEquals(java.util.Optional.of(java.net.URI.create("https://127.0.0.1:10444/devstoreaccount1")),
                function.storage().queueServiceUri());
        assertEquals("AzureWebJobsStorage", function.connectionSetting());
        QueueTriggerPoller.QueueFunction byAccount = sampleFunction(Map.of("AzureWebJobsStorage__accountName", "hmabc"));
        assertEquals(java.util.Optional.of(java.net.URI.create("https://hmabc.queue.core.windows.net")),
                byAccount.storage().queueServiceUri());
    }

    @Test
    void aConnectionStringWinsAndIsNeverShown() {
        QueueTriggerPoller.QueueFunction function = sampleFunction(Map.of(
                "AzureWebJobsStorage", "AccountName=x;AccountKey=c2VrcmV0",
                "AzureWebJobsStorage__queueServiceUri", "https://127.0.0.1:10444/devstoreaccount1"));
        assertFalse(function.storage().identityBased());
        assertFalse(function.toString().contains("c2VrcmV0") || function.storage().toString().contains("c2VrcmV0"));
    }

    @Test
    void aBadIdentityBasedSettingIsNamedWithTheFunction() {
        io.harbormaster.config.InvalidSettingException e = assertThrows(
                io.harbormaster.config.InvalidSettingException.class, () -> sampleFunction(Map.of(
                        "AzureWebJobsStorage__queueServiceUri", "http://127.0.0.1:10001/devstoreaccount1")));
        assertEquals("AzureWebJobsStorage__queueServiceUri", e.setting());
        assertTrue(e.getMessage().contains("function work"), e.getMessage());
    }

    private void start(QueueSettings settings) {
        poller = new QueueTriggerPoller(sampleFunction(), queue, poison, settings);
        poller.start();
    }

    @AfterEach
    void stop() {
        if (poller != null) {
            poller.close(Duration.ofSeconds(3));
        }
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    private static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    /** A queue whose receive never comes back until its thread is interrupted, as a storage call did at shutdown. */
    private static final class HangingQueue implements TriggerQueue {
        final java.util.concurrent.CountDownLatch receiving = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch interrupted = new java.util.concurrent.CountDownLatch(1);

        @Override
        public String name() {
            return "unit-hanging";
        }

        @Override
        public void createIfNotExists() {
        }

        @Override
        public void delete(QueueMessage message) {
        }

        @Override
        public void release(QueueMessage message, Duration visibility) {
        }

        @Override
        public void send(String text) {
        }

        @Override
        public List<QueueMessage> receive(int max, Duration visibility) {
            receiving.countDown();
            try {
                new java.util.concurrent.CountDownLatch(1).await();
                throw new AssertionError("unreachable");
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw new IllegalStateException("receive interrupted", e);
            }
        }
    }

    @Test
    void closeInterruptsAReceiveThatNeverReturnsInsteadOfWaitingOutTheGrace() throws Exception {
        HangingQueue hanging = new HangingQueue();
        poller = new QueueTriggerPoller(sampleFunction(), hanging, poison,
                new QueueSettings(16, 8, Duration.ofMillis(200), Duration.ZERO, 5, NONE));
        poller.start();
        assertTrue(hanging.receiving.await(5, java.util.concurrent.TimeUnit.SECONDS), "the poller never received");

        long started = System.nanoTime();
        poller.close(Duration.ofSeconds(5));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        poller = null;
        assertTrue(hanging.interrupted.await(1, java.util.concurrent.TimeUnit.SECONDS), "the receive was not interrupted");
        // The grace is for messages in progress; there were none, so close waits for nothing like it.
        assertTrue(tookMillis < 2_000, "close took " + tookMillis + " ms");
    }

    @Test
    void aGoodMessageIsProcessedOnceAndDeleted() throws Exception {
        String message = unique("ok");
        queue.send(message);
        start(new QueueSettings(16, 8, Duration.ofMillis(200), Duration.ZERO, 5, NONE));
        await(() -> queue.texts().isEmpty(), Duration.ofSeconds(2), "the message to be deleted");
        Thread.sleep(300);
        List<Attempt> attempts = QueueSamples.attemptsFor(message);
        assertEquals(1, attempts.size());
        assertEquals(1, attempts.get(0).dequeueCount());
        assertTrue(poison.texts().isEmpty());
    }

    @Test
    void aFailingMessageIsTriedMaxDequeueCountTimesThenMovedToPoison() throws Exception {
        String message = unique("fail");
        queue.send(message);
        start(new QueueSettings(16, 8, Duration.ofMillis(200), Duration.ZERO, 3, NONE));
        await(() -> poison.texts().contains(message) && queue.texts().isEmpty(), Duration.ofSeconds(3),
                "the message to move to the poison queue");
        Thread.sleep(300);
        List<Attempt> attempts = QueueSamples.attemptsFor(message);
        assertEquals(List.of(1L, 2L, 3L), attempts.stream().map(Attempt::dequeueCount).toList());
        assertTrue(queue.texts().isEmpty(), queue.texts().toString());
        assertEquals(List.of(message), poison.texts());
    }

    @Test
    void aFailedMessageComesBackOnlyAfterTheVisibilityTimeout() throws Exception {
        String message = unique("fail");
        queue.send(message);
        start(new QueueSettings(16, 8, Duration.ofMillis(100), Duration.ofMillis(400), 2, NONE));
        await(() -> poison.texts().contains(message), Duration.ofSeconds(3), "the message in the poison queue");
        List<Attempt> attempts = QueueSamples.attemptsFor(message);
        assertEquals(2, attempts.size());
        long gap = attempts.get(1).atMillis() - attempts.get(0).atMillis();
        assertTrue(gap >= 390, "retried after " + gap + " ms, before the 400 ms visibility timeout");
    }

    @Test
    void aMessageAlreadyPastTheLimitGoesToPoisonWithoutAnotherInvocation() throws Exception {
        String message = unique("ok");
        // Received 3 times by hosts that crashed mid-run: this receive makes it the 4th, past the limit of 3.
        queue.sendReceivedBefore(message, 3);
        start(new QueueSettings(16, 8, Duration.ofMillis(200), Duration.ZERO, 3, NONE));
        // Copied to poison first, deleted from the queue second.
        await(() -> poison.texts().contains(message) && queue.texts().isEmpty(), Duration.ofSeconds(2),
                "the message to move to the poison queue");
        assertEquals(List.of(), QueueSamples.attemptsFor(message));
    }

    @Test
    void base64MessagesAreDecodedAndInvalidOnesArePoisonedAsTheyWere() throws Exception {
        String message = unique("ok");
        queue.send(Base64.getEncoder().encodeToString(message.getBytes(StandardCharsets.UTF_8)));
        queue.send("not base64 !");
        start(new QueueSettings(16, 8, Duration.ofMillis(200), Duration.ZERO, 5,
                QueueSettings.MessageEncoding.BASE64));
        await(() -> queue.texts().isEmpty(), Duration.ofSeconds(2), "both messages to leave the queue");
        assertEquals(1, QueueSamples.attemptsFor(message).size());
        assertEquals(List.of(), QueueSamples.attemptsFor("not base64 !"));
        assertEquals(List.of("not base64 !"), poison.texts());
    }

    @Test
    void batchesAreFetchedWhenInFlightWorkDropsToTheThreshold() throws Exception {
        QueueSamples.SLOW_MAX_RUNNING.set(0);
        List<String> messages = IntStream.range(0, 16).mapToObj(i -> unique("slow")).toList();
        messages.forEach(queue::send);
        start(new QueueSettings(4, 2, Duration.ofMillis(200), Duration.ZERO, 5, NONE));
        await(() -> queue.texts().isEmpty(), Duration.ofSeconds(5), "all messages to be processed");
        int maxRunning = QueueSamples.SLOW_MAX_RUNNING.get();
        assertTrue(maxRunning > 1, "messages of a batch ran one at a time");
        assertTrue(maxRunning <= 4 + 2, "ran " + maxRunning + " at once, more than batchSize + newBatchThreshold");
        assertEquals(4, queue.receivedMax.get());
    }

    @Test
    void anIdleQueueIsPolledWithBackOffAndANewMessageIsStillPickedUpQuickly() throws Exception {
        start(new QueueSettings(16, 8, Duration.ofMillis(400), Duration.ZERO, 5, NONE));
        Thread.sleep(1_500);
        int polls = queue.receiveCalls.get();
        // 100, 200, 400, 400, 400 ms pauses: about 6 polls; a loop without back-off would make thousands.
        assertTrue(polls >= 3 && polls <= 10, "polls in 1.5 s: " + polls);
        String message = unique("ok");
        long sent = System.currentTimeMillis();
        queue.send(message);
        await(() -> QueueSamples.attemptsFor(message).size() == 1, Duration.ofSeconds(2), "the new message");
        long latency = QueueSamples.attemptsFor(message).get(0).atMillis() - sent;
        assertTrue(latency <= 400 + 200, "picked up after " + latency + " ms");
    }

    @Test
    void aStorageOutageIsLoggedWithoutSecretsAndWaitedOut() throws Exception {
        CapturedLogs logs = CapturedLogs.of(QueueTriggerPoller.class);
        List<LogRecord> records = logs.records();
        try {
            queue.failWith(new IllegalStateException("Connection refused: AccountName=dev;AccountKey=c2VjcmV0a2V5"));
            String message = unique("ok");
            start(new QueueSettings(16, 8, Duration.ofMillis(200), Duration.ZERO, 5, NONE));
            await(() -> records.stream().anyMatch(r -> r.getLevel() == Level.WARNING), Duration.ofSeconds(2),
                    "a warning about the outage");
            queue.failWith(null);
            queue.send(message);
            await(() -> QueueSamples.attemptsFor(message).size() == 1, Duration.ofSeconds(3),
                    "the message after the outage");
        } finally {
            logs.close();
        }
        for (LogRecord record : records) {
            assertFalse(record.getMessage().contains("c2VjcmV0a2V5"), record.getMessage());
            assertTrue(record.getThrown() == null, "a stack trace with the raw error was logged");
        }
        assertTrue(records.get(0).getMessage().contains("unit-q") && records.get(0).getMessage().contains("retrying"),
                records.get(0).getMessage());
    }
}
