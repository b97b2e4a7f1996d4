package io.harbormaster.scaleset;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A compute gallery image as an {@code imageReference.id} names it (ComputeRP ImageReference: "set
 * '.../galleries/{galleryName}/images/{imageName}' in the 'id' field without version input" for the latest version):
 * the definition, and {@code version} as named ({@code null} without one, which means latest, as {@code latest} does).
 */
public record GalleryImage(String subscription, String resourceGroup, String gallery, String image, String version) {
    private static final Pattern ID = Pattern.compile(
            "/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.Compute/galleries/([^/]+)/images/([^/]+)"
                    + "(?:/versions/([^/]+))?/?", Pattern.CASE_INSENSITIVE);
    private static final Pattern VERSION = Pattern.compile("/versions/([^/]+)/?$", Pattern.CASE_INSENSITIVE);

    /** The gallery image an id names; empty for anything else (a managed image, a shared or community gallery id). */
    public static Optional<GalleryImage> parse(String id) {
        Matcher matcher = id == null ? null : ID.matcher(id);
        if (matcher == null || !matcher.matches()) {
            return Optional.empty();
        }
        return Optional.of(new GalleryImage(matcher.group(1), matcher.group(2), matcher.group(3), matcher.group(4),
                matcher.group(5)));
    }

    /** Whether the id leaves the version to Azure: no version, or {@code latest}. */
    public boolean latest() {
        return version == null || "latest".equalsIgnoreCase(version);
    }

    /**
     * The version a gallery image version's id names ({@code .../images/I/versions/1.2.3}, as a disk's
     * {@code creationData.galleryImageReference.id}); empty for a definition's id or {@code latest}.
     */
    public static Optional<String> versionOf(String versionId) {
        Matcher matcher = versionId == null ? null : VERSION.matcher(versionId);
        if (matcher == null || !matcher.find() || "latest".equalsIgnoreCase(matcher.group(1))) {
            return Optional.empty();
        }
        return Optional.of(matcher.group(1));
    }

    /** Whether {@code id} names this definition or one of its versions (ARM ids compare case-insensitively). */
    public boolean sameDefinition(String id) {
        return parse(id).map(other -> key().equals(other.key())).orElse(false);
    }

    private String key() {
        return (subscription + "/" + resourceGroup + "/" + gallery + "/" + image).toLowerCase(Locale.ROOT);
    }
}
