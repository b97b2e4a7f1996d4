package io.harbormaster.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.InvalidSettingException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Startup fails before anything listens, with one message that names what to fix. */
class LocalHostStartupTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private static LocalHost start(Map<String, String> settings, String samplePackage) {
        Map<String, String> all = new HashMap<>(Map.of(LocalHostSettings.PORT, "0",
                LocalHostSettings.FUNCTION_KEY, "k"));
        all.putAll(settings);
        return LocalHost.start(LocalHostOptions.of(all, samplePackage).withConsole(QUIET));
    }

    @Test
    void aMissingFunctionKeyNamesTheSetting() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> LocalHost.start(
                LocalHostOptions.of(Map.of(LocalHostSettings.PORT, "0"), LocalHostHttpTest.SAMPLES).withConsole(QUIET)));
        assertTrue(e.getMessage().contains("HARBORMASTER_LOCAL_FUNCTION_KEY"), e.getMessage());
    }

    @Test
    void disabledAuthOnEveryInterfaceIsRefusedBeforeAnythingListens() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> LocalHost.start(
                LocalHostOptions.of(Map.of(LocalHostSettings.PORT, "0", LocalHostSettings.AUTH, "disabled",
                        LocalHostSettings.BIND_ADDRESS, "0.0.0.0"), LocalHostHttpTest.SAMPLES).withConsole(QUIET)));
        assertEquals(LocalHostSettings.AUTH, e.setting());
        assertTrue(e.getMessage().contains("loopback"), e.getMessage());
    }

    @Test
    void aScheduleFromAMissingSettingNamesTheSettingAndTheFunction() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> start(Map.of(), "io.harbormaster.local.samples.badschedule"));
        assertEquals("HARBORMASTER_TEST_SCHEDULE", e.setting());
        assertTrue(e.getMessage().contains("configuredTimer"), e.getMessage());
    }

    @Test
    void anInvalidScheduleFromASettingSaysWhereItCameFrom() {
        LocalHostStartupException e = assertThrows(LocalHostStartupException.class,
                () -> start(Map.of("HARBORMASTER_TEST_SCHEDULE", "*/5 * * * *"),
                        "io.harbormaster.local.samples.badschedule"));
        assertTrue(e.getMessage().contains("configuredTimer"), e.getMessage());
        assertTrue(e.getMessage().contains("%HARBORMASTER_TEST_SCHEDULE%"), e.getMessage());
        assertTrue(e.getMessage().contains("six"), e.getMessage());
    }

    @Test
    void aScheduleFromASettingIsUsed() {
        try (LocalHost host = start(Map.of("HARBORMASTER_TEST_SCHEDULE", "0 0 3 * * *"),
                "io.harbormaster.local.samples.badschedule")) {
            assertTrue(host.listing().get(0).startsWith("configuredTimer: timer 0 0 3 * * * (next "),
                    host.listing().toString());
            assertTrue(host.listing().get(0).contains("T03:00:00Z"), host.listing().toString());
        }
    }

    @Test
    void aParameterTheHostCannotBindIsNamed() {
        LocalHostStartupException e = assertThrows(LocalHostStartupException.class,
                () -> start(Map.of(), "io.harbormaster.local.samples.badparameter"));
        assertTrue(e.getMessage().contains("unbindable") && e.getMessage().contains("'mystery'"), e.getMessage());
    }

    @Test
    void aQueueTriggerWithoutItsConnectionSettingNamesIt() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> start(Map.of("HARBORMASTER_TEST_QUEUE", "some-queue"), "io.harbormaster.local.samples.queue"));
        assertEquals("AzureWebJobsStorage", e.setting());
        assertTrue(e.getMessage().contains("work"), e.getMessage());
    }

    @Test
    void anInvalidQueueNameIsRejected() {
        LocalHostStartupException e = assertThrows(LocalHostStartupException.class,
                () -> start(Map.of("HARBORMASTER_TEST_QUEUE", "no_underscores", "AzureWebJobsStorage",
                        "UseDevelopmentStorage=true"), "io.harbormaster.local.samples.queue"));
        assertTrue(e.getMessage().contains("no_underscores"), e.getMessage());
    }

    @Test
    void aPackageWithoutClassesIsAnError() {
        LocalHostStartupException e = assertThrows(LocalHostStartupException.class,
                () -> start(Map.of(), "io.harbormaster.nosuchpackage"));
        assertTrue(e.getMessage().contains("io.harbormaster.nosuchpackage"), e.getMessage());
    }

    @Test
    void aPortInUseNamesThePortSetting() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
            LocalHostStartupException e = assertThrows(LocalHostStartupException.class,
                    () -> start(Map.of(LocalHostSettings.PORT, Integer.toString(taken.getLocalPort())),
                            LocalHostHttpTest.SAMPLES));
            assertTrue(e.getMessage().contains(LocalHostSettings.PORT), e.getMessage());
        }
    }
}
