package io.harbormaster.emulator.cloud;

import java.time.Duration;
import java.util.Objects;

/**
 * The subscription and resource group the emulated cloud lives in, and the Spot eviction notice: Learn promises at
 * least 30 seconds, tests set less.
 */
public record CloudSettings(String subscriptionId, String resourceGroup, Duration evictionNotice) {
    public static final Duration DOCUMENTED_EVICTION_NOTICE = Duration.ofSeconds(30);

    public CloudSettings {
        Objects.requireNonNull(subscriptionId, "subscriptionId");
        Objects.requireNonNull(resourceGroup, "resourceGroup");
        if (evictionNotice == null || evictionNotice.isNegative()) {
            throw new IllegalArgumentException("evictionNotice must not be negative");
        }
    }

    public CloudSettings(String subscriptionId, String resourceGroup) {
        this(subscriptionId, resourceGroup, DOCUMENTED_EVICTION_NOTICE);
    }
}
