package io.harbormaster.scaleset;

import java.time.Instant;

/**
 * One VM of the scale set; {@code computerName} is the hostname its swarm node carries, {@code vmId} the VM's unique id
 * (ARM's {@code properties.vmId}, the {@code vmId} of its IMDS attested document), null where ARM gave none.
 * {@code latestModelApplied} is ARM's property of that name (false once the scale set's model changed after the VM was
 * made); {@code imageVersion} the image version it runs (ARM's {@code storageProfile.imageReference.exactVersion}, else
 * {@code version}), null where ARM gave none; {@code zone} the availability zone ARM placed it in ({@code "1"}), or
 * null in a region or scale set without zones.
 */
public record ScaleSetInstance(
        String instanceId,
        String computerName,
        PowerState powerState,
        String provisioningState,
        Instant createdAt,
        boolean protectedFromScaleIn,
        String vmId,
        boolean latestModelApplied,
        String imageVersion,
        String zone) {

    /** An instance outside any availability zone. */
    public ScaleSetInstance(String instanceId, String computerName, PowerState powerState, String provisioningState,
            Instant createdAt, boolean protectedFromScaleIn, String vmId, boolean latestModelApplied, String imageVersion) {
        this(instanceId, computerName, powerState, provisioningState, createdAt, protectedFromScaleIn, vmId,
                latestModelApplied, imageVersion, null);
    }

    /** An instance on the scale set's latest model, whose image version is not known, in {@code zone}. */
    public ScaleSetInstance(String instanceId, String computerName, PowerState powerState, String provisioningState,
            Instant createdAt, boolean protectedFromScaleIn, String vmId, String zone) {
        this(instanceId, computerName, powerState, provisioningState, createdAt, protectedFromScaleIn, vmId, true, null, zone);
    }

    /** An instance on the scale set's latest model, whose image version is not known, outside any zone. */
    public ScaleSetInstance(String instanceId, String computerName, PowerState powerState, String provisioningState,
            Instant createdAt, boolean protectedFromScaleIn, String vmId) {
        this(instanceId, computerName, powerState, provisioningState, createdAt, protectedFromScaleIn, vmId, true, null, null);
    }

    /** The same instance with its model state and image version as given. */
    public ScaleSetInstance withModel(boolean latestModelApplied, String imageVersion) {
        return new ScaleSetInstance(instanceId, computerName, powerState, provisioningState, createdAt,
                protectedFromScaleIn, vmId, latestModelApplied, imageVersion, zone);
    }

    /** The same instance under another id (a pool's qualified id), every other field as it is. */
    public ScaleSetInstance withInstanceId(String id) {
        return new ScaleSetInstance(id, computerName, powerState, provisioningState, createdAt, protectedFromScaleIn, vmId,
                latestModelApplied, imageVersion, zone);
    }

    /** An instance whose vmId is not known (tests, and callers that never attest). */
    public ScaleSetInstance(String instanceId, String computerName, PowerState powerState, String provisioningState,
            Instant createdAt, boolean protectedFromScaleIn) {
        this(instanceId, computerName, powerState, provisioningState, createdAt, protectedFromScaleIn, null);
    }

    /** The VM's power state, from its instance view; UNKNOWN when Azure did not report one. */
    public enum PowerState { STARTING, RUNNING, STOPPING, STOPPED, DEALLOCATING, DEALLOCATED, UNKNOWN }
}
