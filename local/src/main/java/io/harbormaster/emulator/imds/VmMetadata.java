package io.harbormaster.emulator.imds;

import java.util.Map;

/**
 * One VM as IMDS describes it under {@code /metadata/instance/compute}. {@code vmScaleSetName} is empty for a
 * standalone VM, {@code zone} when it has none, {@code priority} is "Regular" or "Spot" and {@code evictionPolicy}
 * "Deallocate", "Delete" or empty.
 */
public record VmMetadata(
        String name,
        String computerName,
        String vmId,
        String subscriptionId,
        String resourceGroupName,
        String location,
        String vmScaleSetName,
        String resourceId,
        String vmSize,
        String zone,
        String priority,
        String evictionPolicy,
        Map<String, String> tags) {
}
