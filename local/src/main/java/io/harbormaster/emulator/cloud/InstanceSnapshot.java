package io.harbormaster.emulator.cloud;

import java.time.Instant;

/**
 * One scale-set VM as ARM reports it. {@code powerState} is the part after "PowerState/" (running, deallocated, ...);
 * {@code protection} is null when nobody set it; {@code zone} is empty without zones; {@code exactVersion} the image
 * version its disk was made from.
 */
public record InstanceSnapshot(
        String instanceId,
        String name,
        String computerName,
        String vmId,
        String zone,
        String provisioningState,
        String powerState,
        ProtectionPolicy protection,
        Instant timeCreated,
        boolean latestModelApplied,
        String skuName,
        ImageReference image,
        String location,
        String scaleSetName,
        String exactVersion) {
}
