package io.harbormaster.emulator.cloud;

import java.time.Instant;

/**
 * One VM of a scale set, as the emulated cloud keeps it; guarded by the cloud's lock. A Flexible scale set's VM is a
 * standard VM whose ARM id is its name; {@code id} then only orders the instances.
 */
final class Instance {
    final long id;
    final String name;
    final String computerName;
    final String vmId;
    final String zone;
    final Instant timeCreated;
    String provisioningState = "Creating";
    String powerState = "starting";
    /** Null until someone sets it: ARM leaves protectionPolicy out of an instance nobody protected. */
    ProtectionPolicy protection;
    /** The model version and decoded custom data the instance's disk was made from. */
    long modelVersion;
    String customData;
    ImageReference image;
    /** The image version its disk was made from: the newest published at that time when the model says latest. */
    String exactVersion;
    String skuName;
    /** The operation changing this instance now, or null. */
    String busyWith;
    boolean deleting;

    final boolean flexible;

    /** @param flexibleName a Flexible scale set's VM name, or null for a Uniform one's {@code {scaleSet}_{id}} */
    Instance(long id, String scaleSet, String flexibleName, String prefix, String vmId, String zone, Instant timeCreated) {
        this.id = id;
        this.flexible = flexibleName != null;
        this.name = flexible ? flexibleName : scaleSet + "_" + id;
        // Learn "VM names and instance IDs": the computer name is the prefix and the base-36 instance id, padded to 6.
        String base36 = Long.toString(id, 36);
        this.computerName = prefix + "0".repeat(Math.max(0, 6 - base36.length())) + base36;
        this.vmId = vmId;
        this.zone = zone;
        this.timeCreated = timeCreated;
    }

    /** What ARM calls the instance: a Uniform instance id, a Flexible VM's name. */
    String armId() {
        return flexible ? name : Long.toString(id);
    }

    boolean protectedFromScaleIn() {
        return protection != null && protection.protectFromScaleIn();
    }

    boolean protectedFromScaleSetActions() {
        return protection != null && protection.protectFromScaleSetActions();
    }

    InstanceSnapshot snapshot(ScaleSetState scaleSet) {
        return new InstanceSnapshot(armId(), name, computerName, vmId, zone, provisioningState, powerState,
                protection, timeCreated, modelVersion == scaleSet.modelVersion, skuName, image, scaleSet.location,
                scaleSet.name, exactVersion);
    }
}
