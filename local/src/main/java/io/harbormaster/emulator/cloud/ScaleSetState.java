package io.harbormaster.emulator.cloud;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;

/** One scale set's model and instances, as the emulated cloud keeps them; guarded by the cloud's lock. */
final class ScaleSetState {
    final String name;
    final String location;
    final List<String> zones;
    final String priority;
    final String evictionPolicy;
    final String computerNamePrefix;
    final TerminateNotification terminateNotification;
    final String orchestrationMode;
    /** The group it is in; null for the cloud's own. */
    final String resourceGroup;
    final String uniqueId = UUID.randomUUID().toString();
    final Instant timeCreated;
    final TreeMap<Long, Instance> instances = new TreeMap<>();
    private final PublishedImages images;
    String skuName;
    long capacity;
    /** Base64, as the REST body carries it. */
    String customData;
    ImageReference image;
    long modelVersion = 1;
    long etag = 1;
    String provisioningState = "Succeeded";
    private long nextInstanceId;
    private int nextZone;

    ScaleSetState(ScaleSetSpec spec, Instant created, PublishedImages images) {
        this.images = images;
        this.name = spec.name();
        this.location = spec.location();
        this.zones = spec.zones();
        this.priority = spec.priority();
        this.evictionPolicy = spec.evictionPolicy();
        this.computerNamePrefix = spec.computerNamePrefix();
        this.terminateNotification = spec.terminateNotification();
        this.orchestrationMode = spec.orchestrationMode();
        this.resourceGroup = spec.resourceGroup();
        this.skuName = spec.skuName();
        this.customData = spec.customData();
        this.image = spec.imageReference();
        this.timeCreated = created;
    }

    boolean flexible() {
        return ScaleSetSpec.FLEXIBLE.equals(orchestrationMode);
    }

    /**
     * A new instance from the current model: ids are never reused, zones are dealt round-robin. A Flexible scale set's
     * VM is named {@code {scaleSet}_{8 hex digits}} (Learn "Orchestration modes": Azure appends a unique suffix; the
     * form is what Flexible VMs are seen to carry, the digits here are ours, from the vmId).
     */
    Instance newInstance(Instant now) {
        String zone = zones.isEmpty() ? "" : zones.get(nextZone++ % zones.size());
        String vmId = UUID.randomUUID().toString();
        while (flexible() && find(name + "_" + vmId.substring(0, 8)) != null) {
            vmId = UUID.randomUUID().toString();
        }
        String vmName = flexible() ? name + "_" + vmId.substring(0, 8) : null;
        Instance instance = new Instance(nextInstanceId++, name, vmName, computerNamePrefix, vmId, zone, now);
        applyModel(instance);
        instances.put(instance.id, instance);
        return instance;
    }

    void applyModel(Instance instance) {
        instance.modelVersion = modelVersion;
        instance.customData = decodedCustomData();
        instance.image = image;
        instance.exactVersion = images.exactVersion(image);
        instance.skuName = skuName;
    }

    String decodedCustomData() {
        if (customData == null || customData.isEmpty()) {
            return "";
        }
        return new String(Base64.getMimeDecoder().decode(customData), StandardCharsets.UTF_8);
    }

    /**
     * The instance an ARM id names: a Uniform scale set's decimal instance id, a Flexible one's VM name (compared
     * case-insensitively, as ARM compares resource names); null for none.
     */
    Instance find(String id) {
        if (id == null) {
            return null;
        }
        if (flexible()) {
            for (Instance instance : instances.values()) {
                if (instance.name.equalsIgnoreCase(id)) {
                    return instance;
                }
            }
            return null;
        }
        return id.matches("\\d{1,18}") ? instances.get(Long.parseLong(id)) : null;
    }

    String etagValue() {
        return "\"" + etag + "\"";
    }

    ScaleSetSnapshot snapshot() {
        return new ScaleSetSnapshot(name, location, skuName, capacity, zones, priority, evictionPolicy,
                computerNamePrefix, image, terminateNotification, provisioningState, etagValue(), uniqueId, timeCreated,
                orchestrationMode);
    }
}
