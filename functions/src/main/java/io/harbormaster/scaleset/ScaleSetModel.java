package io.harbormaster.scaleset;

/** The scale set itself as last read: how many instances it asks for and of what size. */
public record ScaleSetModel(
        String id,
        String name,
        long capacity,
        String sku,
        OrchestrationMode orchestrationMode,
        String provisioningState,
        String etag) {

    /** How the scale set manages its VMs: through the scale-set VM API (Uniform) or as standard VMs (Flexible). */
    public enum OrchestrationMode { UNIFORM, FLEXIBLE }
}
