package io.harbormaster.emulator.cloud;

/**
 * The parts of a scale set PATCH the emulator applies; null means "not in the request". A change to the SKU name,
 * custom data (base64) or image is a new model: instances that booted from the old one report latestModelApplied false.
 */
public record ScaleSetChange(Long capacity, String skuName, String customData, ImageReference imageReference) {
    boolean changesModel() {
        return skuName != null || customData != null || imageReference != null;
    }
}
