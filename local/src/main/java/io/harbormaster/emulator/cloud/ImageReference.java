package io.harbormaster.emulator.cloud;

/** A marketplace image reference, as the scale set model's storageProfile.imageReference names it. */
public record ImageReference(String publisher, String offer, String sku, String version) {
    public static final ImageReference UBUNTU_24_04 = new ImageReference("Canonical", "ubuntu-24_04-lts", "server", "latest");
}
