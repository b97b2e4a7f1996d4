package io.harbormaster.lifecycle.upgrade;

import io.harbormaster.capacity.Pool;
import io.harbormaster.scaleset.ImageCatalog;
import io.harbormaster.scaleset.PoolScaleSets;
import io.harbormaster.scaleset.ScaleSet;
import java.util.Objects;

/**
 * One pool as the rolling upgrade reaches it: its own scale set, the catalog of its model's image, its maximum (a
 * surge only below it), and how its instances are named outside it. The upgrade records an instance by the id the
 * drains and the combined port use ({@link PoolScaleSets}): bare for the first pool, as a single scale set's always
 * were, {@code gpu:3} for another's; its own scale set is called with the bare id.
 *
 * @param first whether this is the first pool of the settings (the single scale set without pools)
 */
public record UpgradePool(String name, ScaleSet scaleSet, ImageCatalog images, int maxAgents, boolean first) {

    public UpgradePool {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scaleSet, "scaleSet");
        Objects.requireNonNull(images, "images");
    }

    /** The single scale set's pool (no {@code HARBORMASTER_POOLS}): bare ids, the default pool name. */
    public static UpgradePool single(ScaleSet scaleSet, ImageCatalog images, int maxAgents) {
        return new UpgradePool(Pool.DEFAULT_NAME, scaleSet, images, maxAgents, true);
    }

    /** The id the upgrade, the drains and the combined port give this pool's instance {@code instanceId}. */
    String qualify(String instanceId) {
        return PoolScaleSets.qualify(name, instanceId, first);
    }

    /** The id this pool's own scale set knows for a recorded id. */
    String bare(String recordedId) {
        String prefix = PoolScaleSets.qualify(name, "", first);
        return recordedId.startsWith(prefix) ? recordedId.substring(prefix.length()) : recordedId;
    }
}
