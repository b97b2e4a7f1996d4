package io.harbormaster.config;

import java.time.Duration;
import java.util.Optional;

/**
 * How often the swarm's join tokens are rotated on schedule; empty when the operator turned the schedule off (the
 * operator route still rotates on demand).
 */
public record JoinTokenSettings(Optional<Duration> rotationInterval) {
    public static final String ROTATION = "HARBORMASTER_JOIN_TOKEN_ROTATION";
    /**
     * A week. A rotation leaves joined nodes alone and the tickets follow it within 2 s, so it costs at most a retried
     * join; a week bounds how long a token that leaked (a node's disk, a log, a ticket fetched by hand) admits a node.
     */
    public static final Duration DEFAULT_INTERVAL = Duration.ofDays(7);
    /** The schedule is looked at hourly, so a shorter interval would not be kept. */
    public static final Duration MIN_INTERVAL = Duration.ofHours(1);
    public static final Duration MAX_INTERVAL = Duration.ofDays(365);

    public static JoinTokenSettings from(AppSettings settings) {
        if (settings.optional(ROTATION).filter(value -> value.trim().equalsIgnoreCase("off")).isPresent()) {
            return new JoinTokenSettings(Optional.empty());
        }
        try {
            return new JoinTokenSettings(Optional.of(settings.duration(ROTATION, DEFAULT_INTERVAL, MIN_INTERVAL, MAX_INTERVAL)));
        } catch (InvalidSettingException e) {
            throw new InvalidSettingException(ROTATION, "is '" + settings.optional(ROTATION).orElse("")
                    + "': expected a duration from 1h to 365d such as P7D, 12h or 30d, or off");
        }
    }
}
