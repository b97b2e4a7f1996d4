package io.harbormaster.local;

import io.harbormaster.testsupport.CapturedLogs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class LocalHostAuthDisabledTest {

    @Test
    void withAuthDisabledNoKeyIsCheckedAndAWarningIsLogged() throws Exception {
        CapturedLogs logs = CapturedLogs.of(LocalHost.class);
        List<LogRecord> records = logs.records();
        try (LocalHost host = LocalHost.start(LocalHostOptions.of(Map.of(
                        LocalHostSettings.PORT, "0", LocalHostSettings.AUTH, "disabled",
                        LocalHostSettings.BIND_ADDRESS, "127.0.0.1"), LocalHostHttpTest.SAMPLES)
                .withConsole(new PrintStream(OutputStream.nullOutputStream())))) {
            assertEquals(200, LocalHostHttpTest.send(host, "GET", "/api/secure", null).statusCode());
            assertEquals(200, LocalHostHttpTest.send(host, "GET", "/api/admin-only", null).statusCode());
        } finally {
            logs.close();
        }
        assertTrue(records.stream().anyMatch(r -> r.getLevel() == Level.WARNING
                && r.getMessage().contains("DISABLED") && r.getMessage().contains("HARBORMASTER_LOCAL_AUTH")),
                records.toString());
    }
}
