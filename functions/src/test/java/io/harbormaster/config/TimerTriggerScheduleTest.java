package io.harbormaster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.DayOfWeek;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class TimerTriggerScheduleTest {
    // A Wednesday.
    private static final ZonedDateTime T = ZonedDateTime.of(2026, 11, 25, 10, 3, 17, 500_000_000, ZoneOffset.UTC);

    private static ZonedDateTime at(int day, int hour, int minute, int second) {
        return ZonedDateTime.of(2026, 11, day, hour, minute, second, 0, ZoneOffset.UTC);
    }

    @Test
    void everyFiveMinutesFiresOnTheFiveMinuteMarks() {
        TimerTriggerSchedule schedule = TimerTriggerSchedule.parse("0 */5 * * * *");
        assertEquals(at(25, 10, 5, 0), schedule.next(T));
        assertEquals(at(25, 10, 10, 0), schedule.next(at(25, 10, 5, 0)));
    }

    @Test
    void everyTenSecondsUsesTheSecondsField() {
        TimerTriggerSchedule schedule = TimerTriggerSchedule.parse("*/10 * * * * *");
        assertEquals(at(25, 10, 3, 20), schedule.next(T));
        assertEquals(at(25, 10, 3, 30), schedule.next(at(25, 10, 3, 20)));
    }

    @Test
    void nextIsStrictlyAfterEvenWithinTheSameSecond() {
        TimerTriggerSchedule schedule = TimerTriggerSchedule.parse("*/1 * * * * *");
        assertEquals(at(25, 10, 3, 18), schedule.next(at(25, 10, 3, 17)));
        assertEquals(at(25, 10, 3, 18), schedule.next(at(25, 10, 3, 17).plusNanos(999_000_000)));
    }

    @Test
    void hourlyOnWeekdaysSkipsTheWeekend() {
        TimerTriggerSchedule schedule = TimerTriggerSchedule.parse("0 0 * * * 1-5");
        assertEquals(at(25, 11, 0, 0), schedule.next(T));
        // Friday 23:00 is followed by Monday 00:00.
        ZonedDateTime friday = at(27, 23, 0, 0);
        assertEquals(DayOfWeek.FRIDAY, friday.getDayOfWeek());
        assertEquals(ZonedDateTime.of(2026, 11, 30, 0, 0, 0, 0, ZoneOffset.UTC), schedule.next(friday));
    }

    @Test
    void dayOfWeekCountsFromSundayAsZeroAndAcceptsNames() {
        assertEquals(at(29, 0, 0, 0), TimerTriggerSchedule.parse("0 0 0 * * 0").next(T));
        assertEquals(at(29, 0, 0, 0), TimerTriggerSchedule.parse("0 0 0 * * Sun").next(T));
        ZonedDateTime mondayInJanuary = TimerTriggerSchedule.parse("0 30 9 * Jan Mon").next(T);
        assertEquals(ZonedDateTime.of(2027, 1, 4, 9, 30, 0, 0, ZoneOffset.UTC), mondayInJanuary);
    }

    @Test
    void dayAndDayOfWeekMustBothMatchAsInNcrontab() {
        ZonedDateTime fridayThe13th = TimerTriggerSchedule.parse("0 0 0 13 * 5").next(T);
        assertEquals(ZonedDateTime.of(2027, 8, 13, 0, 0, 0, 0, ZoneOffset.UTC), fridayThe13th);
        assertEquals(DayOfWeek.FRIDAY, fridayThe13th.getDayOfWeek());
    }

    @Test
    void timeSpanSchedulesRunAtAFixedInterval() {
        TimerTriggerSchedule schedule = TimerTriggerSchedule.parse("00:05:00");
        assertEquals(T.plusMinutes(5), schedule.next(T));
    }

    @Test
    void invalidExpressionsAreRejectedWithTheReason() {
        IllegalArgumentException fiveFields = assertThrows(IllegalArgumentException.class,
                () -> TimerTriggerSchedule.parse("*/5 * * * *"));
        assertTrue(fiveFields.getMessage().contains("six"), fiveFields.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TimerTriggerSchedule.parse("61 * * * * *"));
        assertThrows(IllegalArgumentException.class, () -> TimerTriggerSchedule.parse("0 0 * * * 7"));
        assertThrows(IllegalArgumentException.class, () -> TimerTriggerSchedule.parse("0 0 ? * * *"));
        assertThrows(IllegalArgumentException.class, () -> TimerTriggerSchedule.parse("0 0 0 L * *"));
        assertThrows(IllegalArgumentException.class, () -> TimerTriggerSchedule.parse("00:00:00"));
        assertThrows(IllegalArgumentException.class, () -> TimerTriggerSchedule.parse("every minute"));
    }
}
