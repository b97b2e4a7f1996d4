package io.harbormaster.config;

import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * A timer trigger schedule: an NCRONTAB expression {@code {second} {minute} {hour} {day} {month} {day-of-week}}
 * (day-of-week 0-6 with 0 = Sunday, names allowed; day and day-of-week must both match, as in NCrontab), or a
 * TimeSpan such as {@code 00:05:00} for a fixed interval.
 */
public final class TimerTriggerSchedule {
    private static final Pattern TIME_SPAN =
            Pattern.compile("^(?:(\\d+)\\.)?(\\d{1,2}):(\\d{1,2})(?::(\\d{1,2})(?:\\.(\\d{1,7}))?)?$");
    private static final Pattern DAYS = Pattern.compile("^\\d+$");
    private static final CronDefinition NCRONTAB = CronDefinitionBuilder.defineCron()
            .withSeconds().withValidRange(0, 59).and()
            .withMinutes().withValidRange(0, 59).and()
            .withHours().withValidRange(0, 23).and()
            .withDayOfMonth().withValidRange(1, 31).and()
            .withMonth().withValidRange(1, 12).and()
            .withDayOfWeek().withValidRange(0, 6).withMondayDoWValue(1).and()
            .matchDayOfWeekAndDayOfMonth()
            .instance();
    private static final CronParser PARSER = new CronParser(NCRONTAB);

    private final String expression;
    private final ExecutionTime cron;
    private final Duration interval;

    private TimerTriggerSchedule(String expression, ExecutionTime cron, Duration interval) {
        this.expression = expression;
        this.cron = cron;
        this.interval = interval;
    }

    /** @throws IllegalArgumentException with the reason when the expression is neither NCRONTAB nor a TimeSpan */
    public static TimerTriggerSchedule parse(String expression) {
        String trimmed = expression.trim().replaceAll("\\s+", " ");
        if (trimmed.contains(":")) {
            Duration interval;
            try {
                interval = parseTimeSpan(trimmed);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + expression + "' is neither NCRONTAB nor a TimeSpan (hh:mm:ss)");
            }
            if (interval.isZero()) {
                throw new IllegalArgumentException("the interval '" + expression + "' must be longer than zero");
            }
            return new TimerTriggerSchedule(trimmed, null, interval);
        }
        if (trimmed.split(" ").length != 6) {
            throw new IllegalArgumentException("'" + expression + "' has " + trimmed.split(" ").length
                    + " fields: NCRONTAB needs six, {second} {minute} {hour} {day} {month} {day-of-week}");
        }
        try {
            return new TimerTriggerSchedule(trimmed, ExecutionTime.forCron(PARSER.parse(trimmed)), null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + expression + "' is not a valid NCRONTAB expression: "
                    + e.getMessage());
        }
    }

    /** The first occurrence strictly after {@code after}. */
    public ZonedDateTime next(ZonedDateTime after) {
        if (interval != null) {
            return after.plus(interval);
        }
        // cron-utils works in whole seconds; without truncation a fire time of 10:00:01.000 could repeat itself.
        ZonedDateTime base = after.truncatedTo(ChronoUnit.SECONDS);
        return cron.nextExecution(base).orElseThrow(() ->
                new IllegalStateException("The schedule '" + expression + "' never fires after " + after));
    }

    @Override
    public String toString() {
        return expression;
    }

    /** Parses .NET TimeSpan text such as {@code 00:00:02}, {@code 1.02:00:00} or {@code 00:00:00.500}. */
    public static Duration parseTimeSpan(String text) {
        String trimmed = text.trim();
        if (DAYS.matcher(trimmed).matches()) {
            return Duration.ofDays(Long.parseLong(trimmed));
        }
        Matcher m = TIME_SPAN.matcher(trimmed);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a TimeSpan");
        }
        long days = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
        int hours = Integer.parseInt(m.group(2));
        int minutes = Integer.parseInt(m.group(3));
        int seconds = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
        if (hours > 23 || minutes > 59 || seconds > 59) {
            throw new IllegalArgumentException("hours, minutes or seconds out of range");
        }
        long nanos = 0;
        if (m.group(5) != null) {
            String fraction = (m.group(5) + "000000000").substring(0, 9);
            nanos = Long.parseLong(fraction);
        }
        return Duration.ofDays(days).plusHours(hours).plusMinutes(minutes).plusSeconds(seconds).plusNanos(nanos);
    }

}
