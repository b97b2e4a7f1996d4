package io.harbormaster.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalHostSettingsTest {

    @Test
    void defaultsNeedOnlyTheFunctionKey() {
        LocalHostSettings settings = LocalHostSettings.read(new AppSettings(Map.of(
                LocalHostSettings.FUNCTION_KEY, "k")));
        assertEquals(7071, settings.port());
        assertEquals(32, settings.threads());
        assertEquals("0.0.0.0", settings.bindAddress());
        assertTrue(settings.keys().enabled());
        assertEquals(Path.of("host.json"), settings.hostJson());
        assertFalse(settings.hostJsonRequired());
    }

    @Test
    void aMissingFunctionKeyIsOneMessageNamingTheSetting() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> LocalHostSettings.read(new AppSettings(Map.of())));
        assertEquals(LocalHostSettings.FUNCTION_KEY, e.setting());
        assertTrue(e.getMessage().startsWith("Setting HARBORMASTER_LOCAL_FUNCTION_KEY is missing"), e.getMessage());
    }

    @Test
    void authCanBeDisabledExplicitlyButNotMisspelled() {
        LocalHostSettings disabled = LocalHostSettings.read(new AppSettings(Map.of(
                LocalHostSettings.AUTH, "disabled", LocalHostSettings.BIND_ADDRESS, "127.0.0.1")));
        assertFalse(disabled.keys().enabled());
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> LocalHostSettings.read(new AppSettings(Map.of(LocalHostSettings.AUTH, "off"))));
        assertEquals(LocalHostSettings.AUTH, e.setting());
    }

    @Test
    void disabledAuthIsAllowedOnlyOnALoopbackBind() {
        for (String loopback : new String[] {"127.0.0.1", "127.0.0.2", "::1", "localhost"}) {
            assertFalse(LocalHostSettings.read(new AppSettings(Map.of(LocalHostSettings.AUTH, "disabled",
                    LocalHostSettings.BIND_ADDRESS, loopback))).keys().enabled(), loopback);
        }
        for (String open : new String[] {"0.0.0.0", "::", "10.0.0.4"}) {
            InvalidSettingException e = assertThrows(InvalidSettingException.class,
                    () -> LocalHostSettings.read(new AppSettings(Map.of(LocalHostSettings.AUTH, "disabled",
                            LocalHostSettings.BIND_ADDRESS, open))), open);
            assertEquals(LocalHostSettings.AUTH, e.setting());
            assertTrue(e.getMessage().contains("loopback") && e.getMessage().contains(LocalHostSettings.BIND_ADDRESS)
                    && e.getMessage().contains("'" + open + "'"), e.getMessage());
        }
        // The default bind address is every interface: disabling auth alone is refused.
        InvalidSettingException byDefault = assertThrows(InvalidSettingException.class,
                () -> LocalHostSettings.read(new AppSettings(Map.of(LocalHostSettings.AUTH, "disabled"))));
        assertEquals(LocalHostSettings.AUTH, byDefault.setting());
        // With keys checked, any bind address is fine.
        assertTrue(LocalHostSettings.read(new AppSettings(Map.of(LocalHostSettings.FUNCTION_KEY, "k",
                LocalHostSettings.BIND_ADDRESS, "0.0.0.0"))).keys().enabled());
    }

    @Test
    void portThreadsAndHostJsonComeFromSettings() {
        LocalHostSettings settings = LocalHostSettings.read(new AppSettings(Map.of(
                LocalHostSettings.FUNCTION_KEY, "k", LocalHostSettings.PORT, "0", LocalHostSettings.THREADS, "4",
                LocalHostSettings.HOST_JSON, "/tmp/x/host.json")));
        assertEquals(0, settings.port());
        assertEquals(4, settings.threads());
        assertEquals(Path.of("/tmp/x/host.json"), settings.hostJson());
        assertTrue(settings.hostJsonRequired());
        InvalidSettingException port = assertThrows(InvalidSettingException.class, () -> LocalHostSettings.read(
                new AppSettings(Map.of(LocalHostSettings.FUNCTION_KEY, "k", LocalHostSettings.PORT, "70000"))));
        assertEquals(LocalHostSettings.PORT, port.setting());
    }
}
