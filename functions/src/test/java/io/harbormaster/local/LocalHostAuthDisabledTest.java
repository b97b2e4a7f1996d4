package io.harbormaster.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class LocalHostAuthDisabledTest {

    @Test
    void withAuthDisabledNoKeyIsCheckedAndAWarningIsLogged() throws Exception {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(LocalHost.class.getName());
        logger.addHandler(capture);
        try (LocalHost host = LocalHost.start(LocalHostOptions.of(Map.of(
                        LocalHostSettings.PORT, "0", LocalHostSettings.AUTH, "disabled"), LocalHostHttpTest.SAMPLES)
                .withConsole(new PrintStream(OutputStream.nullOutputStream())))) {
            assertEquals(200, LocalHostHttpTest.send(host, "GET", "/api/secure", null).statusCode());
            assertEquals(200, LocalHostHttpTest.send(host, "GET", "/api/admin-only", null).statusCode());
        } finally {
            logger.removeHandler(capture);
        }
        assertTrue(records.stream().anyMatch(r -> r.getLevel() == Level.WARNING
                && r.getMessage().contains("DISABLED") && r.getMessage().contains("HARBORMASTER_LOCAL_AUTH")),
                records.toString());
    }
}
