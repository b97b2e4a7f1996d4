package io.harbormaster.lifecycle.upgrade;

import io.harbormaster.config.AppSettings;
import java.time.Duration;

/**
 * The rolling upgrade's settings: how many instances at once, how long a node may take to come back before the upgrade
 * pauses, and whether a model change starts it without the operator.
 */
public record UpgradeSettings(int batchSize, Duration rejoinTimeout, boolean automatic) {
    public static final String BATCH_SIZE = "HARBORMASTER_UPGRADE_BATCH_SIZE";
    public static final String REJOIN_TIMEOUT = "HARBORMASTER_UPGRADE_REJOIN_TIMEOUT";
    public static final String AUTOMATIC = "HARBORMASTER_UPGRADE_AUTOMATIC";

    /**
     * Reads and checks them. The rejoin timeout is at most 15 minutes, the capacity check's default rejoin grace and
     * provisioning timeout, so that the upgrade pauses before the check would take a node that is still booting for
     * one that left.
     */
    public static UpgradeSettings from(AppSettings settings) {
        return new UpgradeSettings(
                settings.integer(BATCH_SIZE, 1, 1, 10),
                settings.duration(REJOIN_TIMEOUT, Duration.ofMinutes(10), Duration.ofSeconds(10), Duration.ofMinutes(15)),
                settings.flag(AUTOMATIC, false));
    }
}
