package io.harbormaster.scaleset;

import java.util.Map;
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

    /**
     * The image version each VM runs, by instance id, where the instance listing cannot tell it: a gallery image under
     * {@code latest}, whose instances report no {@code exactVersion} (ComputeRP gives it for platform and marketplace
     * images only), read from each OS disk's {@code creationData.galleryImageReference.id} (DiskRP: "the ARM id of
     * the shared galley image version from which to create a disk"). Empty when the model is not a gallery image
     * under latest (then the listing's {@code imageVersion} is all there is); a present map may lack instances whose
     * disk ARM does not list (a Uniform scale set's), whose version is then unknown.
     *
     * @throws ScaleSetException when ARM refused or failed a read
     */
    default Optional<Map<String, String>> runningVersions() {
        return Optional.empty();
    }

    /** No catalog: only model changes are upgrades. */
    ImageCatalog NONE = Optional::empty;
}
