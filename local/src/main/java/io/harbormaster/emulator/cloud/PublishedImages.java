package io.harbormaster.emulator.cloud;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The marketplace image versions the emulated region publishes, per publisher, offer and SKU (names compared
 * case-insensitively, as ARM compares them), oldest first. An image a scale set names is published at
 * {@link #FIRST_VERSION} when first seen; a test or the control route publishes newer ones. Guarded by the cloud's lock.
 */
final class PublishedImages {
    /** The version an image has when the emulator first sees it: Ubuntu's own naming, the date ours. */
    static final String FIRST_VERSION = "24.04.202501010";
    private static final String LATEST = "latest";

    private final Map<String, List<String>> versions = new LinkedHashMap<>();

    /** Makes sure the image has a version, {@link #FIRST_VERSION} when it has none yet. */
    void ensure(ImageReference image) {
        versions.computeIfAbsent(key(image.publisher(), image.offer(), image.sku()),
                any -> new ArrayList<>(List.of(FIRST_VERSION)));
    }

    /** Publishes {@code version} of the image; it becomes what {@code latest} means when it is the newest. */
    void publish(ImageReference image, String version) {
        if (version == null || !version.matches("\\d+(\\.\\d+){2}")) {
            // The spec's allowed format: Major.Minor.Build, decimal numbers.
            throw new IllegalArgumentException("an image version is Major.Minor.Build in decimal numbers: " + version);
        }
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
