package io.harbormaster.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Typed access to app settings (environment variables); every failure names the setting. */
public final class AppSettings {
    private final Map<String, String> values;

    public AppSettings(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public static AppSettings fromEnvironment() {
        return new AppSettings(System.getenv());
    }

    public Optional<String> optional(String name) {
        String value = values.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    public String optional(String name, String defaultValue) {
        return optional(name).orElse(defaultValue);
    }

    /** The value is never echoed back, so secrets are safe to read through this. */
    public String required(String name, String expectation) {
        return optional(name).orElseThrow(() -> new InvalidSettingException(name, "is missing: expected " + expectation));
    }

    public List<String> list(String name, String expectation) {
        List<String> items = Arrays.stream(required(name, expectation).split(","))
                .map(String::trim)
                .filter(item -> !item.isEmpty())
                .toList();
        if (items.isEmpty()) {
            throw new InvalidSettingException(name, "is empty: expected " + expectation);
        }
        return items;
    }

    public int integer(String name, int defaultValue, int min, int max) {
        Optional<String> raw = optional(name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(raw.get());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the expected range
        }
        throw new InvalidSettingException(name, "is '" + raw.get() + "': expected a whole number from " + min + " to " + max);
    }

    /** Accepts ISO-8601 (PT5S), or a number with a unit: 500ms, 5s, 2m, 1h, 7d. */
    public Duration duration(String name, Duration defaultValue, Duration min, Duration max) {
        Optional<String> raw = optional(name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        Duration value = parseDuration(raw.get());
        if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new InvalidSettingException(name, "is '" + raw.get() + "': expected a duration from "
                    + min + " to " + max + ", such as 500ms, 5s, 2m or PT5S");
        }
        return value;
    }

    public boolean flag(String name, boolean defaultValue) {
        Optional<String> raw = optional(name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        return switch (raw.get().toLowerCase()) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new InvalidSettingException(name, "is '" + raw.get() + "': expected true or false");
        };
    }

    private static Duration parseDuration(String text) {
        String lower = text.toLowerCase();
        try {
            if (lower.startsWith("pt") || lower.startsWith("p")) {
                return Duration.parse(text);
            }
            if (lower.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(lower.substring(0, lower.length() - 2)));
            }
            long amount = Long.parseLong(lower.substring(0, lower.length() - 1));
            return switch (lower.charAt(lower.length() - 1)) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                case 'h' -> Duration.ofHours(amount);
                case 'd' -> Duration.ofDays(amount);
                default -> null;
            };
        } catch (DateTimeParseException | NumberFormatException | StringIndexOutOfBoundsException e) {
            return null;
        }
    }
}
