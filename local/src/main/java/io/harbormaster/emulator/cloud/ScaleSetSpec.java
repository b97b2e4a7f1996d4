package io.harbormaster.emulator.cloud;

import java.util.List;
import java.util.Objects;

/**
 * A scale set to create in the emulated cloud. {@code customData} is base64, as in the REST shape;
 * {@code priority} is "Regular" or "Spot", {@code evictionPolicy} "Deallocate" or "Delete" (Spot only);
 * {@code orchestrationMode} "Uniform" (the default) or "Flexible"; {@code resourceGroup} the group it is in, null for
 * the cloud's own (a Flexible pool's is a group of its own, as infra/cluster.json's flexibleResourceGroup).
 */
public record ScaleSetSpec(
        String name,
        String location,
        String skuName,
        long capacity,
        List<String> zones,
        String priority,
        String evictionPolicy,
        String computerNamePrefix,
        String customData,
        ImageReference imageReference,
        TerminateNotification terminateNotification,
        String orchestrationMode,
        String resourceGroup) {

    public static final String UNIFORM = "Uniform";
    public static final String FLEXIBLE = "Flexible";

    /** A Uniform scale set. */
    public ScaleSetSpec(String name, String location, String skuName, long capacity, List<String> zones, String priority,
            String evictionPolicy, String computerNamePrefix, String customData, ImageReference imageReference,
            TerminateNotification terminateNotification) {
        this(name, location, skuName, capacity, zones, priority, evictionPolicy, computerNamePrefix, customData,
                imageReference, terminateNotification, UNIFORM, null);
    }

    /** A scale set in the cloud's own resource group. */
    public ScaleSetSpec(String name, String location, String skuName, long capacity, List<String> zones, String priority,
            String evictionPolicy, String computerNamePrefix, String customData, ImageReference imageReference,
            TerminateNotification terminateNotification, String orchestrationMode) {
        this(name, location, skuName, capacity, zones, priority, evictionPolicy, computerNamePrefix, customData,
                imageReference, terminateNotification, orchestrationMode, null);
    }

    /** The same scale set in resource group {@code group} (null: the cloud's own). */
    public ScaleSetSpec withResourceGroup(String group) {
        return new ScaleSetSpec(name, location, skuName, capacity, zones, priority, evictionPolicy, computerNamePrefix,
                customData, imageReference, terminateNotification, orchestrationMode, group);
    }

    public ScaleSetSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(skuName, "skuName");
        zones = List.copyOf(zones == null ? List.of() : zones);
        priority = priority == null ? "Regular" : priority;
        if (!priority.equals("Regular") && !priority.equals("Spot")) {
            throw new IllegalArgumentException("priority must be Regular or Spot: " + priority);
        }
        // Learn (use-spot.md): Deallocate is the default eviction policy of a Spot scale set.
        evictionPolicy = priority.equals("Spot") ? (evictionPolicy == null ? "Deallocate" : evictionPolicy) : null;
        computerNamePrefix = computerNamePrefix == null ? name : computerNamePrefix;
        customData = customData == null ? "" : customData;
        imageReference = imageReference == null ? ImageReference.UBUNTU_24_04 : imageReference;
        terminateNotification = terminateNotification == null ? TerminateNotification.OFF : terminateNotification;
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must not be negative");
        }
        orchestrationMode = orchestrationMode == null ? UNIFORM : orchestrationMode;
        if (!orchestrationMode.equals(UNIFORM) && !orchestrationMode.equals(FLEXIBLE)) {
            throw new IllegalArgumentException("orchestrationMode must be Uniform or Flexible: " + orchestrationMode);
        }
    }

    public boolean flexible() {
        return orchestrationMode.equals(FLEXIBLE);
    }

    public ScaleSetSpec withOrchestrationMode(String mode) {
        return new ScaleSetSpec(name, location, skuName, capacity, zones, priority, evictionPolicy, computerNamePrefix,
                customData, imageReference, terminateNotification, mode, resourceGroup);
    }

    /** A Regular scale set without zones, custom data or terminate notification. */
    public static ScaleSetSpec regular(String name, String location, String skuName, long capacity, String computerNamePrefix) {
        return new ScaleSetSpec(name, location, skuName, capacity, List.of(), "Regular", null, computerNamePrefix, "",
                null, null);
    }

    public ScaleSetSpec withCustomData(String base64) {
        return new ScaleSetSpec(name, location, skuName, capacity, zones, priority, evictionPolicy, computerNamePrefix,
                base64, imageReference, terminateNotification, orchestrationMode, resourceGroup);
    }

    public ScaleSetSpec withTerminateNotification(TerminateNotification notification) {
        return new ScaleSetSpec(name, location, skuName, capacity, zones, priority, evictionPolicy, computerNamePrefix,
                customData, imageReference, notification, orchestrationMode, resourceGroup);
    }

    public ScaleSetSpec withSpot(String policy) {
        return new ScaleSetSpec(name, location, skuName, capacity, zones, "Spot", policy, computerNamePrefix,
                customData, imageReference, terminateNotification, orchestrationMode, resourceGroup);
    }

    public ScaleSetSpec withZones(List<String> newZones) {
        return new ScaleSetSpec(name, location, skuName, capacity, newZones, priority, evictionPolicy,
                computerNamePrefix, customData, imageReference, terminateNotification, orchestrationMode, resourceGroup);
    }
}
