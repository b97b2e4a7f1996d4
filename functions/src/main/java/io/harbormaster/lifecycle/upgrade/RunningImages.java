package io.harbormaster.lifecycle.upgrade;

import io.harbormaster.scaleset.ScaleSetInstance;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The image version each instance runs when its listing gave none (a gallery image: no {@code exactVersion}): first
 * what its OS disk says ({@link io.harbormaster.scaleset.ImageCatalog#runningVersions()}), else what the upgrade
 * recorded of it: an instance the upgrade reimaged towards version V runs V or newer (a reimage takes the newest
 * under latest at that time). Where neither knows, the version stays unknown.
 */
final class RunningImages {
    private RunningImages() {
    }

    /**
     * The versions {@code pool}'s instances run by their OS disks, by the id its own scale set knows; read only when
     * the upgrade has a newest image to compare with and some instance's listing gave no version (two ARM reads), so a
     * marketplace image's upgrade, whose instances report {@code exactVersion}, pays nothing for them. Empty when not
     * read, or when the model is no gallery image under latest.
     */
    static Optional<Map<String, String>> read(UpgradePool pool, List<ScaleSetInstance> listed,
            Optional<String> newest) {
        boolean unknown = listed.stream().anyMatch(instance -> instance.imageVersion() == null);
        return newest.isPresent() && unknown ? pool.images().runningVersions() : Optional.empty();
    }

    /** {@code instances}, each without an image version given one from {@code disks}, else from {@code recorded}. */
    static List<ScaleSetInstance> resolve(List<ScaleSetInstance> instances, Map<String, String> disks,
            Map<String, String> recorded) {
        return instances.stream().map(instance -> {
            if (instance.imageVersion() != null) {
                return instance;
            }
            String version = disks.getOrDefault(instance.instanceId(), recorded.get(instance.instanceId()));
            return version == null ? instance : instance.withModel(instance.latestModelApplied(), version);
        }).toList();
    }

    /**
     * What {@code status} records of {@code pool}: its instances reimaged towards the pool's image version, by the
     * recorded (pool-qualified) instance id; those whose
     * reimage is sent and that are rejoining count already (the rejoin waits for them to be current).
     */
    static Map<String, String> recorded(UpgradeStatus status, String pool) {
        Map<String, String> recorded = new TreeMap<>();
        String version = status.imageVersion(pool);
        if (version == null) {
            return recorded;
        }
        for (UpgradeEntry entry : status.entries()) {
            if (!entry.pool().equals(pool)) {
                continue;
            }
            boolean sent = entry.phase() == UpgradePhase.REJOINING || entry.phase() == UpgradePhase.REACTIVATING
                    || (entry.phase() == UpgradePhase.DONE && entry.outcome() != null
                    && entry.outcome().startsWith(UpgradeEntry.UPGRADED));
            if (sent && UpgradeEntry.REIMAGE.equals(entry.method())) {
                recorded.put(entry.instanceId(), version);
            }
        }
        return recorded;
    }
}
