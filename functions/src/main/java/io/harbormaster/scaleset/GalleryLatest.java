package io.harbormaster.scaleset;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which gallery image version {@code latest} means in a region, from GalleryImageVersions_ListByGalleryImage: the
 * highest Major.Minor.Patch (Learn "Store and share images in an Azure Compute Gallery": "the latest image is chosen
 * based on the highest MajorVersion, then MinorVersion, then Patch") among the versions that count. A version does not
 * count when its {@code publishingProfile.excludeFromLatest} is true ("Virtual Machines deployed from the latest
 * version of the Image Definition won't use this Image Version"), when its target region for this location says
 * {@code excludeFromLatest} ("hide an image when users specify version='latest'"), when it is not replicated to this
 * location (its {@code targetRegions} list others only), or while its provisioningState is not Succeeded (still
 * replicating, failed or being deleted: nothing to deploy yet, so an upgrade waits for it rather than reimaging early).
 * An end-of-life date does not count: Learn calls it informational, and VMs can still be created from such versions.
 */
public final class GalleryLatest {
    private GalleryLatest() {
    }

    /** One target region of a version: its name as ARM gives it ("West US" or "westus") and its own exclusion. */
    public record Region(String name, boolean excludeFromLatest) {
    }

    /** One listed version: its name, provisioningState, the publishing profile's exclusion and target regions. */
    public record Version(String name, String provisioningState, boolean excludeFromLatest, List<Region> targetRegions) {
        public Version {
            targetRegions = targetRegions == null ? List.of() : List.copyOf(targetRegions);
        }
    }

    /** The newest version that {@code latest} means in {@code location}; empty when none counts. */
    public static Optional<String> newest(List<Version> versions, String location) {
        List<String> counted = new ArrayList<>();
        for (Version version : versions) {
            if (counts(version, location)) {
                counted.add(version.name());
            }
        }
        return ImageVersions.newest(counted);
    }

    static boolean counts(Version version, String location) {
        if (!"Succeeded".equalsIgnoreCase(version.provisioningState()) || version.excludeFromLatest()) {
            return false;
        }
        if (version.targetRegions().isEmpty()) {
            // Nothing listed: the spec's default target region is the source's, which we cannot compare; trust it.
            return true;
        }
        return version.targetRegions().stream()
                .anyMatch(region -> region(region.name()).equals(region(location)) && !region.excludeFromLatest());
    }

    /** "West US" and "westus" are one region: ARM answers display names in targetRegions, short names elsewhere. */
    static String region(String name) {
        return name == null ? "" : name.replace(" ", "").toLowerCase(Locale.ROOT);
    }
}
