package io.harbormaster.scaleset;

import java.time.Instant;

/**
 * One VM of the scale set; {@code computerName} is the hostname its swarm node carries, {@code vmId} the VM's unique id
 * (ARM's {@code properties.vmId}, the {@code vmId} of its IMDS attested document), null where ARM gave none;
 * {@code zone} the availability zone ARM placed it in ({@code "1"}), or null in a region or scale set without zones.
 */
public record ScaleSetInstance(
        String instanceId,
        String computerName,
        PowerState powerState,
        String provisioningState,
        Instant createdAt,
        boolean protectedFromScaleIn,
        String vmId,
        String zone) {

    /** An instance outside any availability zone. */
    public ScaleSetInstance(String instanceId, String computerName, PowerState powerState, String provisioningState,
            Instant createdAt, boolean protectedFromScaleIn, String vmId) {
        this(instanceId, computerName, powerState, provisioningState, createdAt, protectedFromScaleIn, vmId, null);
    }

    /** An instance whose vmId is not known (tests, and callers that never attest). */
    public ScaleSetInstance(String instanceId, String computerName, PowerState powerState, String provisioningState,
            Instant createdAt, boolean protectedFromScaleIn) {
        this(instanceId, computerName, powerState, provisioningState, createdAt, protectedFromScaleIn, null, null);
    }

    /** The VM's power state, from its instance view; UNKNOWN when Azure did not report one. */
    public enum PowerState { STARTING, RUNNING, STOPPING, STOPPED, DEALLOCATING, DEALLOCATED, UNKNOWN }
}
