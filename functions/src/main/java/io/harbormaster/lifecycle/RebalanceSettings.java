package io.harbormaster.lifecycle;

import io.harbormaster.config.AppSettings;
import java.time.Duration;

/**
 * The rebalance's settings: whether it starts moves, how many may be under way across the cluster, and how long a
 * move's extra task may take to run before the move is undone.
 */
public record RebalanceSettings(boolean enabled, int maxMoves, Duration moveTimeout) {
    public static final String ENABLED = "HARBORMASTER_REBALANCE_ENABLED";
    public static final String MAX_MOVES = "HARBORMASTER_REBALANCE_MAX_MOVES";
    public static final String MOVE_TIMEOUT = "HARBORMASTER_REBALANCE_MOVE_TIMEOUT";

    public static final RebalanceSettings DEFAULTS = new RebalanceSettings(true, 2, Duration.ofMinutes(2));

    public static RebalanceSettings from(AppSettings settings) {
        return new RebalanceSettings(
                settings.flag(ENABLED, DEFAULTS.enabled()),
                settings.integer(MAX_MOVES, DEFAULTS.maxMoves(), 1, 100),
                settings.duration(MOVE_TIMEOUT, DEFAULTS.moveTimeout(), Duration.ofSeconds(10), Duration.ofHours(1)));
    }
}
