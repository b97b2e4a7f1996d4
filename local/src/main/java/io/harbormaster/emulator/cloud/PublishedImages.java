package io.harbormaster.emulator.cloud;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The image versions the emulated region publishes, oldest first: marketplace images per publisher, offer and SKU,
 * compute gallery images per definition id (names compared case-insensitively, as ARM compares them). An image a
 * scale set names is published at {@link #FIRST_VERSION} (a gallery's at {@link #FIRST_GALLERY_VERSION}) when first
 * seen; a test or the control route publishes newer ones. Guarded by the cloud's lock.
 */
final class PublishedImages {
    /** The version an image has when the emulator first sees it: Ubuntu's own naming, the date ours. */
    static final String FIRST_VERSION = "24.04.202501010";
    /** A gallery definition's first version, published on the date {@link #FIRST_VERSION} names. */
    static final String FIRST_GALLERY_VERSION = "1.0.0";
    private static final Instant FIRST_PUBLISHED = Instant.parse("2025-01-01T00:00:00Z");
    private static final String LATEST = "latest";
    private static final Pattern GALLERY_ID = Pattern.compile(
            "(/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Compute/galleries/[^/]+/images/[^/]+)"
                    + "(?:/versions/([^/]+))?/?", Pattern.CASE_INSENSITIVE);

    private final Map<String, List<String>> versions = new LinkedHashMap<>();
    private final Map<String, List<GalleryImageVersion>> galleryVersions = new LinkedHashMap<>();

    /** Makes sure the image has a version, {@link #FIRST_VERSION} when it has none yet. */
    void ensure(ImageReference image) {
        if (image.fromGallery()) {
            galleryVersions.computeIfAbsent(definition(image.id()),
                    any -> new ArrayList<>(List.of(new GalleryImageVersion(FIRST_GALLERY_VERSION, false, FIRST_PUBLISHED))));
            return;
        }
        versions.computeIfAbsent(key(image.publisher(), image.offer(), image.sku()),
                any -> new ArrayList<>(List.of(FIRST_VERSION)));
    }

    /**
     * Publishes {@code version} of a gallery image at {@code now}, or updates its {@code excludeFromLatest} when it
     * exists (Learn: an image version's "Exclude from latest" can be changed after it is created).
     */
    void publishToGallery(ImageReference image, String version, boolean excludeFromLatest, Instant now) {
        requireVersion(version);
        ensure(image);
        List<GalleryImageVersion> list = galleryVersions.get(definition(image.id()));
        list.removeIf(existing -> existing.name().equals(version));
        list.add(new GalleryImageVersion(version, excludeFromLatest, now));
    }

    /** The gallery definition's versions in the order they were published, or empty for one the region does not have. */
    Optional<List<GalleryImageVersion>> galleryVersions(String definitionId) {
        return Optional.ofNullable(galleryVersions.get(definition(definitionId))).map(List::copyOf);
    }

    /** The definition a gallery image id names ({@code .../images/I}), lower-cased: the key of its versions. */
    static String definition(String id) {
        Matcher matcher = GALLERY_ID.matcher(id);
        if (!matcher.matches()) {
            // SPEC ImageReference.id: a gallery image (this emulator models no managed images).
            throw new IllegalArgumentException("not a compute gallery image id: " + id);
        }
        return matcher.group(1).toLowerCase(Locale.ROOT);
    }

    private static void requireVersion(String version) {
        if (version == null || !version.matches("\\d+(\\.\\d+){2}")) {
            // The spec's allowed format: Major.Minor.Build, decimal numbers.
            throw new IllegalArgumentException("an image version is Major.Minor.Build in decimal numbers: " + version);
        }
    }

    /** Publishes {@code version} of the image; it becomes what {@code latest} means when it is the newest. */
    void publish(ImageReference image, String version) {
        requireVersion(version);
        ensure(image);
        List<String> list = versions.get(key(image.publisher(), image.offer(), image.sku()));
        if (!list.contains(version)) {
            list.add(version);
        }
    }

    /** The image's versions in the order they were published, or empty for an image the region does not have. */
    Optional<List<String>> versions(String publisher, String offer, String sku) {
        return Optional.ofNullable(versions.get(key(publisher, offer, sku))).map(List::copyOf);
    }

    /**
     * The version an instance made now from {@code image} runs (its {@code exactVersion}): the newest published when
     * the model says latest, else the version it names.
     */
    String exactVersion(ImageReference image) {
        if (image.fromGallery()) {
            return galleryVersion(image);
        }
        if (!LATEST.equalsIgnoreCase(image.version())) {
            return image.version();
        }
        ensure(image);
        List<String> list = versions.get(key(image.publisher(), image.offer(), image.sku()));
        String newest = list.get(0);
        for (String version : list) {
            if (newer(version, newest)) {
                newest = version;
            }
        }
        return newest;
    }

    /**
     * The gallery version a disk made now is made from: the one the id names, else the newest that {@code latest}
     * may mean (not excluded); when every version is excluded, the newest of all (ARM would refuse the deployment;
     * the emulator does not model that).
     */
    private String galleryVersion(ImageReference image) {
        Matcher matcher = GALLERY_ID.matcher(image.id());
        if (matcher.matches() && matcher.group(2) != null && !LATEST.equalsIgnoreCase(matcher.group(2))) {
            return matcher.group(2);
        }
        ensure(image);
        String newest = null;
        String newestOfAll = null;
        for (GalleryImageVersion version : galleryVersions.get(definition(image.id()))) {
            if (newestOfAll == null || newer(version.name(), newestOfAll)) {
                newestOfAll = version.name();
            }
            if (!version.excludeFromLatest() && (newest == null || newer(version.name(), newest))) {
                newest = version.name();
            }
        }
        return newest != null ? newest : newestOfAll;
    }

    private static boolean newer(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int compared = Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i]));
            if (compared != 0) {
                return compared > 0;
            }
        }
        return x.length > y.length;
    }

    private static String key(String publisher, String offer, String sku) {
        return (publisher + ":" + offer + ":" + sku).toLowerCase(Locale.ROOT);
    }
}
