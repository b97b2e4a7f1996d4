package io.harbormaster.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RebalanceSettingsTest {
    @Test
    void defaultsAndValues() {
        assertEquals(RebalanceSettings.DEFAULTS, RebalanceSettings.from(new AppSettings(Map.of())));
        assertEquals(new RebalanceSettings(false, 5, Duration.ofSeconds(30)), RebalanceSettings.from(new AppSettings(Map.of(
                "HARBORMASTER_REBALANCE_ENABLED", "false", "HARBORMASTER_REBALANCE_MAX_MOVES", "5",
                "HARBORMASTER_REBALANCE_MOVE_TIMEOUT", "30s"))));
    }

    @Test
    void aBadValueNamesItsSetting() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> RebalanceSettings.from(
                new AppSettings(Map.of("HARBORMASTER_REBALANCE_MAX_MOVES", "0"))));
        assertTrue(e.getMessage().contains("HARBORMASTER_REBALANCE_MAX_MOVES"), e.getMessage());
        assertThrows(InvalidSettingException.class, () -> RebalanceSettings.from(
                new AppSettings(Map.of("HARBORMASTER_REBALANCE_MOVE_TIMEOUT", "1s"))));
    }
}
