package io.harbormaster.emulator.cloud;

/**
 * An image reference as the scale set model's storageProfile.imageReference names it: a marketplace image by
 * publisher, offer, SKU and version, or a compute gallery image by its {@code id} (a definition,
 * {@code .../galleries/G/images/I}, meaning its latest version, or one version, {@code .../images/I/versions/V}).
 */
public record ImageReference(String publisher, String offer, String sku, String version, String id) {
    public static final ImageReference UBUNTU_24_04 = new ImageReference("Canonical", "ubuntu-24_04-lts", "server", "latest");

    /** A marketplace image. */
    public ImageReference(String publisher, String offer, String sku, String version) {
        this(publisher, offer, sku, version, null);
    }

    /** A compute gallery image by its id. */
    public static ImageReference ofGallery(String id) {
        return new ImageReference(null, null, null, null, id);
    }

    public boolean fromGallery() {
        return id != null;
    }
}
