package io.harbormaster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DrainSettingsTest {
    @Test
    void nothingSetGivesTheDocumentedDefaults() {
        DrainSettings settings = DrainSettings.from(new AppSettings(Map.of()));
        assertEquals(Duration.ofSeconds(2), settings.checkInterval());
        assertEquals(Duration.ofMinutes(10), settings.defaultTimeout());
        assertEquals(Duration.ofMinutes(30), settings.leaveTimeout());
        assertEquals(Duration.ofMinutes(15), settings.unreachableTimeout());
        assertEquals(Duration.ofDays(7), settings.statusRetention());
    }

    @Test
    void aCheckIntervalUnderASecondIsRefusedByName() {
        // A queue message's visibility is whole seconds: 500ms would silently mean "at once", a busy loop.
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> DrainSettings.from(new AppSettings(Map.of(DrainSettings.CHECK_INTERVAL, "500ms"))));
        assertTrue(e.getMessage().contains("HARBORMASTER_DRAIN_CHECK_INTERVAL"), e.getMessage());
        assertTrue(e.getMessage().contains("500ms"), e.getMessage());
    }

    @Test
    void aCheckIntervalOfASecondOrMoreIsTaken() {
        assertEquals(Duration.ofMillis(1500),
                DrainSettings.from(new AppSettings(Map.of(DrainSettings.CHECK_INTERVAL, "1500ms"))).checkInterval());
    }

    @Test
    void aStatusRetentionIsTakenInDays() {
        assertEquals(Duration.ofDays(30),
                DrainSettings.from(new AppSettings(Map.of(DrainSettings.STATUS_RETENTION, "30d"))).statusRetention());
    }

    @Test
    void aStatusRetentionUnderAnHourIsRefusedByName() {
        // Shorter would delete a finished drain's status before whoever asked for it could read the outcome.
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> DrainSettings.from(new AppSettings(Map.of(DrainSettings.STATUS_RETENTION, "10m"))));
        assertTrue(e.getMessage().contains("HARBORMASTER_DRAIN_STATUS_RETENTION"), e.getMessage());
        assertTrue(e.getMessage().contains("10m"), e.getMessage());
    }
}
