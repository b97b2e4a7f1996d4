package io.harbormaster.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.azure.storage.queue.models.PeekedMessageItem;
import com.azure.storage.queue.models.QueueStorageException;
import com.azure.storage.queue.models.SendMessageResult;
import io.harbormaster.local.samples.queue.QueueSamples;
import io.harbormaster.local.samples.queue.QueueSamples.Attempt;
import io.harbormaster.testsupport.LocalServices;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host's queue trigger against the real Azurite, with a host.json of small values. */
class LocalHostQueueIT {
    private static final String HOST_JSON = """
            {
              "version": "2.0",
              "extensions": {
                "queues": {
                  "batchSize": 4,
                  "newBatchThreshold": 2,
                  "maxPollingInterval": "00:00:01",
                  "visibilityTimeout": "00:00:01",
                  "maxDequeueCount": 3,
                  "messageEncoding": "none"
                }
              }
            }
            """;

    @TempDir
    Path dir;
    private String connectionString;
    private String queueName;
    private QueueClient queue;
    private QueueClient poison;
    private LocalHost host;

    @BeforeEach
    void createQueueNames() {
        connectionString = LocalServices.storageConnectionString();
        queueName = "it-" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        queue = client(queueName);
        poison = client(queueName + "-poison");
    }

    @AfterEach
    void cleanUp() {
        if (host != null) {
            host.close();
        }
        if (queue != null) {
            queue.deleteIfExists();
            poison.deleteIfExists();
        }
    }

    private QueueClient client(String name) {
        return new QueueClientBuilder().connectionString(connectionString).queueName(name).buildClient();
    }

    private void startHost() throws IOException {
        Path hostJson = Files.writeString(dir.resolve("host.json"), HOST_JSON);
        host = LocalHost.start(LocalHostOptions.of(Map.of(
                        LocalHostSettings.PORT, "0",
                        LocalHostSettings.FUNCTION_KEY, "k",
                        LocalHostSettings.HOST_JSON, hostJson.toString(),
                        "AzureWebJobsStorage", connectionString,
                        "HARBORMASTER_TEST_QUEUE", queueName), "io.harbormaster.local.samples.queue")
                .withConsole(new PrintStream(OutputStream.nullOutputStream())));
        assertEquals(List.of("work: queue " + queueName + " (connection AzureWebJobsStorage)"), host.listing());
    }

    private static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            Thread.sleep(25);
        }
    }

    private static boolean exists(QueueClient client) {
        try {
            client.getProperties();
            return true;
        } catch (QueueStorageException e) {
            if (e.getStatusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private static List<String> peek(QueueClient client) {
        if (!exists(client)) {
            return List.of();
        }
        return client.peekMessages(32, null, null).stream().map(PeekedMessageItem::getBody)
                .map(Object::toString).toList();
    }

    @Test
    void aGoodMessageIsProcessedOnceWithItsMetadataAndDeleted() throws Exception {
        startHost();
        String message = "ok-" + UUID.randomUUID();
        await(() -> exists(queue), Duration.ofSeconds(5), "the host to create the queue");
        SendMessageResult sent = queue.sendMessage(message);

        await(() -> QueueSamples.attemptsFor(message).size() == 1, Duration.ofSeconds(5), "the invocation");
        await(() -> queue.getProperties().getApproximateMessagesCount() == 0, Duration.ofSeconds(3),
                "the message to be deleted");
        Thread.sleep(1_500);
        List<Attempt> attempts = QueueSamples.attemptsFor(message);
        assertEquals(1, attempts.size(), attempts.toString());
        Attempt attempt = attempts.get(0);
        assertEquals(1, attempt.dequeueCount());
        assertEquals(sent.getMessageId(), attempt.id());
        assertNotNull(attempt.popReceipt());
        assertNotNull(attempt.insertionTime());
        assertTrue(attempt.expirationTime().matches("\\d{4}-\\d\\d-\\d\\dT.*"), attempt.expirationTime());
        assertEquals(List.of(), peek(poison));
    }

    @Test
    void aFailingMessageIsRetriedAfterTheVisibilityTimeoutThenMovedToPoison() throws Exception {
        startHost();
        String message = "fail-" + UUID.randomUUID();
        await(() -> exists(queue), Duration.ofSeconds(5), "the host to create the queue");
        queue.sendMessage(message);

        // Copied to poison first, deleted from the queue second.
        await(() -> peek(poison).contains(message) && peek(queue).isEmpty(), Duration.ofSeconds(15),
                "the message to move to " + queueName + "-poison");
        List<Attempt> attempts = QueueSamples.attemptsFor(message);
        assertEquals(List.of(1L, 2L, 3L), attempts.stream().map(Attempt::dequeueCount).toList());
        for (int i = 1; i < attempts.size(); i++) {
            long gap = attempts.get(i).atMillis() - attempts.get(i - 1).atMillis();
            assertTrue(gap >= 900, "attempt " + (i + 1) + " came " + gap + " ms after the previous one, "
                    + "before the 1 s visibility timeout");
        }
        assertEquals(List.of(message), peek(poison));
        Thread.sleep(1_500);
        assertEquals(3, QueueSamples.attemptsFor(message).size(), "invoked again after being poisoned");
    }

    @Test
    void anIdleQueuePicksUpANewMessageWithinTheMaxPollingInterval() throws Exception {
        startHost();
        await(() -> exists(queue), Duration.ofSeconds(5), "the host to create the queue");
        // Long enough for the idle back-off to reach maxPollingInterval (1 s).
        Thread.sleep(2_500);
        String message = "ok-" + UUID.randomUUID();
        long sent = System.currentTimeMillis();
        queue.sendMessage(message);
        await(() -> QueueSamples.attemptsFor(message).size() == 1, Duration.ofSeconds(3), "the invocation");
        long latency = QueueSamples.attemptsFor(message).get(0).atMillis() - sent;
        assertTrue(latency <= 1_000 + 500, "picked up " + latency + " ms after it was sent");
    }
}
