package io.harbormaster.scaleset;

import java.util.Optional;

/**
 * The published versions of the scale set model's image: the port through which the rolling upgrade learns which
 * image version {@code latest} means now (Azure in production, the emulator's image list locally).
 */
public interface ImageCatalog {
    /**
     * The newest published version of the model's image when the model says {@code version: latest}; empty when the
     * model pins a version (then a new image is a model change, which {@code latestModelApplied} already shows) or
     * names an image this catalog cannot list.
     *
     * @throws ScaleSetException when ARM refused or failed a read
     */
    Optional<String> newestUnderLatest();

    /** No catalog: only model changes are upgrades. */
    ImageCatalog NONE = Optional::empty;
}
