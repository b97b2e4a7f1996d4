package io.harbormaster.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class ConsoleLineFormatterTest {

    @Test
    void aLineHasTimeLevelLoggerAndMessageWithItsParameters() {
        LogRecord record = new LogRecord(Level.INFO, "join {0}: ticket issued");
        record.setParameters(new Object[] {"worker"});
        record.setLoggerName("join");
        Instant at = Instant.parse("2026-12-06T08:09:10.123Z");
        record.setInstant(at);
        LocalTime local = LocalTime.ofInstant(at, ZoneId.systemDefault());
        String expected = String.format("%02d:%02d:%02d.123 INFO join: join worker: ticket issued%n",
                local.getHour(), local.getMinute(), local.getSecond());
        assertEquals(expected, new ConsoleLineFormatter().format(record));
    }

    @Test
    void aThrownExceptionFollowsWithItsStackTrace() {
        LogRecord record = new LogRecord(Level.SEVERE, "failed");
        record.setLoggerName("x");
        record.setThrown(new IllegalStateException("boom"));
        String text = new ConsoleLineFormatter().format(record);
        assertTrue(text.contains(" SEVERE x: failed" + System.lineSeparator()
                + "java.lang.IllegalStateException: boom"), text);
        assertTrue(text.contains("\tat io.harbormaster.local.ConsoleLineFormatterTest"), text);
    }
}
