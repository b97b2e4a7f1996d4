package io.harbormaster.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.local.samples.timer.TimerSamples;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real host running {@link TimerSamples}: two timers on {@code *}{@code /1 * * * * *}, one slower than that. */
class LocalHostTimerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void oneSecondTimersFireEverySecondAndNeverOverlapThemselves() throws Exception {
        TimerSamples.reset();
        LocalHost host = LocalHost.start(LocalHostOptions.of(Map.of(
                        LocalHostSettings.PORT, "0",
                        LocalHostSettings.FUNCTION_KEY, "k",
                        "HARBORMASTER_TEST_SLOW_SCHEDULE", "*/1 * * * * *"), "io.harbormaster.local.samples.timer")
                .withConsole(new PrintStream(OutputStream.nullOutputStream())));
        try {
            assertTrue(host.listing().stream().anyMatch(line -> line.startsWith("slowTick: timer */1 * * * * * (next ")),
                    host.listing().toString());
            Thread.sleep(3_200);
        } finally {
            host.close();
        }
        List<Long> ticks = new ArrayList<>(TimerSamples.TICK_TIMES);
        assertTrue(ticks.size() >= 2 && ticks.size() <= 4, "ticks in 3.2 s: " + ticks.size());
        for (int i = 1; i < ticks.size(); i++) {
            long gap = ticks.get(i) - ticks.get(i - 1);
            assertTrue(gap > 700 && gap < 1_300, "gap between ticks " + gap + " ms");
        }

        // 1.5 s runs on a 1 s schedule: every other tick finds the previous run still going and is skipped.
        assertEquals(1, TimerSamples.SLOW_MAX_CONCURRENT.get(), "the slow timer overlapped itself");
        assertTrue(TimerSamples.SLOW_RUNS.get() >= 1 && TimerSamples.SLOW_RUNS.get() <= 2,
                "slow runs: " + TimerSamples.SLOW_RUNS.get());

        int afterClose = TimerSamples.TICK_TIMES.size();
        Thread.sleep(1_100);
        assertEquals(afterClose, TimerSamples.TICK_TIMES.size(), "a timer fired after close");
    }

    @Test
    void theTimerParameterIsTheHostsTimerInfoJson() throws Exception {
        TimerSamples.reset();
        try (LocalHost host = LocalHost.start(LocalHostOptions.of(Map.of(
                        LocalHostSettings.PORT, "0",
                        LocalHostSettings.FUNCTION_KEY, "k",
                        "HARBORMASTER_TEST_SLOW_SCHEDULE", "0 0 0 1 1 *"), "io.harbormaster.local.samples.timer")
                .withConsole(new PrintStream(OutputStream.nullOutputStream())))) {
            long deadline = System.currentTimeMillis() + 3_000;
            while (TimerSamples.TICK_INFOS.size() < 2 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
        }
        List<String> infos = new ArrayList<>(TimerSamples.TICK_INFOS);
        assertTrue(infos.size() >= 2, infos.toString());
        JsonNode first = JSON.readTree(infos.get(0));
        JsonNode second = JSON.readTree(infos.get(1));
        assertTrue(first.path("Schedule").path("AdjustForDST").asBoolean(), infos.get(0));
        assertFalse(first.path("IsPastDue").asBoolean(true), infos.get(0));
        assertEquals("0001-01-01T00:00:00+00:00", first.path("ScheduleStatus").path("Last").asText());
        // As on the real host, Next is the occurrence being run and Last the one before it.
        OffsetDateTime firstNext = OffsetDateTime.parse(first.path("ScheduleStatus").path("Next").asText());
        OffsetDateTime secondLast = OffsetDateTime.parse(second.path("ScheduleStatus").path("Last").asText());
        OffsetDateTime secondNext = OffsetDateTime.parse(second.path("ScheduleStatus").path("Next").asText());
        OffsetDateTime secondUpdated = OffsetDateTime.parse(second.path("ScheduleStatus").path("LastUpdated").asText());
        assertEquals(firstNext, secondLast);
        assertEquals(secondLast.plusSeconds(1), secondNext);
        assertFalse(secondUpdated.isBefore(secondLast), secondUpdated + " before " + secondLast);
        assertEquals(0, TimerSamples.SLOW_RUNS.get(), "the yearly timer must not have run");
    }
}
