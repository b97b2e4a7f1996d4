package io.harbormaster.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.TimerTriggerSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostJsonTest {

    @Test
    void timeSpansParseLikeDotNet() {
        assertEquals(Duration.ofSeconds(2), TimerTriggerSchedule.parseTimeSpan("00:00:02"));
        assertEquals(Duration.ofMinutes(1), TimerTriggerSchedule.parseTimeSpan("00:01:00"));
        assertEquals(Duration.ofHours(26), TimerTriggerSchedule.parseTimeSpan("1.02:00:00"));
        assertEquals(Duration.ofMillis(500), TimerTriggerSchedule.parseTimeSpan("00:00:00.5"));
        assertEquals(Duration.ofMillis(1250), TimerTriggerSchedule.parseTimeSpan("00:00:01.250"));
        assertEquals(Duration.ofMinutes(90), TimerTriggerSchedule.parseTimeSpan("01:30"));
        assertEquals(Duration.ofDays(3), TimerTriggerSchedule.parseTimeSpan("3"));
        assertThrows(IllegalArgumentException.class, () -> TimerTriggerSchedule.parseTimeSpan("2s"));
        assertThrows(IllegalArgumentException.class, () -> TimerTriggerSchedule.parseTimeSpan("00:61:00"));
        assertThrows(IllegalArgumentException.class, () -> TimerTriggerSchedule.parseTimeSpan("PT2S"));
    }

    @Test
    void missingQueueSettingsTakeTheFunctionsHostDefaults() {
        HostJson hostJson = HostJson.parse("{\"version\": \"2.0\"}", "host.json");
        assertEquals("api", hostJson.routePrefix());
        QueueSettings queues = hostJson.queues();
        assertEquals(16, queues.batchSize());
        assertEquals(8, queues.newBatchThreshold());
        assertEquals(Duration.ofMinutes(1), queues.maxPollingInterval());
        assertEquals(Duration.ZERO, queues.visibilityTimeout());
        assertEquals(5, queues.maxDequeueCount());
        assertEquals(QueueSettings.MessageEncoding.BASE64, queues.messageEncoding());
        assertEquals(QueueSettings.defaults(), queues);
    }

    @Test
    void newBatchThresholdDefaultsToHalfTheConfiguredBatchSize() {
        QueueSettings queues = HostJson.parse("{\"extensions\":{\"queues\":{\"batchSize\":4}}}", "h").queues();
        assertEquals(4, queues.batchSize());
        assertEquals(2, queues.newBatchThreshold());
    }

    @Test
    void theProjectsHostJsonIsReadAsWritten() {
        HostJson hostJson = HostJson.read(Path.of("host.json"), true);
        QueueSettings queues = hostJson.queues();
        assertEquals(new QueueSettings(16, 8, Duration.ofSeconds(1), Duration.ofSeconds(5), 5,
                QueueSettings.MessageEncoding.NONE), queues);
    }

    @Test
    void keysAreCaseInsensitiveAndTheRoutePrefixIsHonoured() {
        HostJson hostJson = HostJson.parse("{\"Extensions\":{\"HTTP\":{\"routePrefix\":\"/v1/\"},"
                + "\"Queues\":{\"MaxDequeueCount\":2,\"messageEncoding\":\"None\"}}}", "h");
        assertEquals("v1", hostJson.routePrefix());
        assertEquals(2, hostJson.queues().maxDequeueCount());
        assertEquals(QueueSettings.MessageEncoding.NONE, hostJson.queues().messageEncoding());
        assertEquals("", HostJson.parse("{\"extensions\":{\"http\":{\"routePrefix\":\"\"}}}", "h").routePrefix());
    }

    @Test
    void invalidValuesNameTheSettingAndTheExpectation() {
        assertMessage("{\"extensions\":{\"queues\":{\"batchSize\":64}}}", "extensions.queues.batchSize is 64");
        assertMessage("{\"extensions\":{\"queues\":{\"maxPollingInterval\":\"2s\"}}}",
                "extensions.queues.maxPollingInterval is \"2s\": expected a TimeSpan");
        assertMessage("{\"extensions\":{\"queues\":{\"maxPollingInterval\":\"00:00:00.050\"}}}",
                "at least 100 ms");
        assertMessage("{\"extensions\":{\"queues\":{\"maxDequeueCount\":0}}}", "extensions.queues.maxDequeueCount");
        assertMessage("{\"extensions\":{\"queues\":{\"messageEncoding\":\"utf8\"}}}", "expected base64 or none");
        assertMessage("{not json", "is not valid JSON");
    }

    @Test
    void aMissingFileIsAnErrorOnlyWhenItsPathWasConfigured(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("host.json");
        assertEquals(HostJson.defaults(), HostJson.read(missing, false));
        LocalHostStartupException e = assertThrows(LocalHostStartupException.class, () -> HostJson.read(missing, true));
        assertTrue(e.getMessage().contains(LocalHostSettings.HOST_JSON), e.getMessage());
        Files.writeString(missing, "{\"extensions\":{\"queues\":{\"batchSize\":1}}}");
        assertEquals(1, HostJson.read(missing, true).queues().batchSize());
    }

    private static void assertMessage(String json, String expected) {
        LocalHostStartupException e = assertThrows(LocalHostStartupException.class,
                () -> HostJson.parse(json, "test-host.json"));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith("test-host.json"), e.getMessage());
    }
}
