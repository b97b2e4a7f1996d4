package io.harbormaster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AppSettingsTest {
    private static AppSettings settings(String... pairs) {
        Map<String, String> map = new java.util.HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return new AppSettings(map);
    }

    @Test
    void missingRequiredSettingNamesItAndWhatIsExpected() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> settings().required("SOME_SETTING", "a thing"));
        assertEquals("SOME_SETTING", e.setting());
        assertEquals("Setting SOME_SETTING is missing: expected a thing", e.getMessage());
    }

    @Test
    void blankCountsAsMissing() {
        assertTrue(settings("A", "   ").optional("A").isEmpty());
        assertThrows(InvalidSettingException.class, () -> settings("A", "").required("A", "x"));
    }

    @Test
    void listsAreTrimmedAndMustNotBeEmpty() {
        assertEquals(List.of("a", "b"), settings("L", " a , b ,").list("L", "items"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> settings("L", " , ").list("L", "items"));
        assertTrue(e.getMessage().startsWith("Setting L is empty"), e.getMessage());
    }

    @Test
    void durationsAcceptUnitsAndIso8601() {
        Duration min = Duration.ofMillis(1);
        Duration max = Duration.ofDays(1);
        assertEquals(Duration.ofMillis(500), settings("D", "500ms").duration("D", Duration.ZERO, min, max));
        assertEquals(Duration.ofSeconds(5), settings("D", "5s").duration("D", Duration.ZERO, min, max));
        assertEquals(Duration.ofMinutes(2), settings("D", "2m").duration("D", Duration.ZERO, min, max));
        assertEquals(Duration.ofHours(1), settings("D", "1h").duration("D", Duration.ZERO, min, max));
        assertEquals(Duration.ofSeconds(30), settings("D", "PT30S").duration("D", Duration.ZERO, min, max));
        assertEquals(Duration.ofSeconds(7), settings().duration("D", Duration.ofSeconds(7), min, max));
    }

    @Test
    void malformedOrOutOfRangeDurationNamesTheSetting() {
        for (String bad : new String[] {"soon", "5", "5x", "PT", "-5s", "2d"}) {
            InvalidSettingException e = assertThrows(InvalidSettingException.class,
                    () -> settings("D", bad).duration("D", Duration.ZERO, Duration.ofMillis(1), Duration.ofHours(2)), bad);
            assertEquals("D", e.setting());
            assertTrue(e.getMessage().contains("expected a duration"), e.getMessage());
        }
    }

    @Test
    void integersAreRangeChecked() {
        assertEquals(8, settings("N", "8").integer("N", 1, 1, 10));
        assertEquals(1, settings().integer("N", 1, 1, 10));
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> settings("N", "11").integer("N", 1, 1, 10));
        assertEquals("Setting N is '11': expected a whole number from 1 to 10", e.getMessage());
        assertThrows(InvalidSettingException.class, () -> settings("N", "eight").integer("N", 1, 1, 10));
    }

    @Test
    void flags() {
        assertTrue(settings("F", "true").flag("F", false));
        assertFalse(settings("F", "off").flag("F", true));
        assertTrue(settings().flag("F", true));
        assertThrows(InvalidSettingException.class, () -> settings("F", "maybe").flag("F", true));
    }
}
