package io.harbormaster.scaleset;

import java.time.Instant;

/** One VM of the scale set; {@code computerName} is the hostname its swarm node carries. */
public record ScaleSetInstance(
        String instanceId,
        String computerName,
        PowerState powerState,
        String provisioningState,
        Instant createdAt,
        boolean protectedFromScaleIn) {

    /** The VM's power state, from its instance view; UNKNOWN when Azure did not report one. */
    public enum PowerState { STARTING, RUNNING, STOPPING, STOPPED, DEALLOCATING, DEALLOCATED, UNKNOWN }
}
