package io.harbormaster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JoinTokenSettingsTest {
    private static JoinTokenSettings read(String value) {
        return JoinTokenSettings.from(new AppSettings(value == null ? Map.of() : Map.of(JoinTokenSettings.ROTATION, value)));
    }

    @Test
    void aWeekByDefaultIsoOrShortFormsOrOff() {
        assertEquals(Optional.of(Duration.ofDays(7)), read(null).rotationInterval());
        assertEquals(Optional.of(Duration.ofDays(30)), read("P30D").rotationInterval());
        assertEquals(Optional.of(Duration.ofHours(12)), read("12h").rotationInterval());
        assertEquals(Optional.empty(), read("off").rotationInterval());
    }

    @Test
    void anythingElseIsRefusedNamingTheSetting() {
        for (String bad : new String[] {"30 days", "PT30M", "P400D", "-P1D", "never"}) {
            InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> read(bad), bad);
            assertEquals(JoinTokenSettings.ROTATION, e.setting());
            assertTrue(e.getMessage().startsWith("Setting HARBORMASTER_JOIN_TOKEN_ROTATION is '" + bad + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("P7D") && e.getMessage().contains("off"), e.getMessage());
        }
    }
}
