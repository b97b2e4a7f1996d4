package io.harbormaster.scaleset;

import java.util.Collection;
import java.util.Optional;

/** Marketplace and gallery image versions, {@code Major.Minor.Patch} with whole numbers, compared part by part. */
public final class ImageVersions {
    private ImageVersions() {
    }

    /** Whether {@code version} is older than {@code newest}; a part that is not a number compares as text. */
    public static boolean older(String version, String newest) {
        String[] a = version.split("\\.");
        String[] b = newest.split("\\.");
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i] : "0";
            String y = i < b.length ? b[i] : "0";
            int compared;
            try {
                compared = Long.compare(Long.parseLong(x), Long.parseLong(y));
            } catch (NumberFormatException e) {
                compared = x.compareTo(y);
            }
            if (compared != 0) {
                return compared < 0;
            }
        }
        return false;
    }

    /**
     * The newest of {@code versions} by parts, not by text: ARM's {@code $orderby=name} sorts names as text, where
     * {@code 1.0.10} comes before {@code 1.0.9}.
     */
    public static Optional<String> newest(Collection<String> versions) {
        String newest = null;
        for (String version : versions) {
            if (version != null && !version.isBlank() && (newest == null || older(newest, version))) {
                newest = version;
            }
        }
        return Optional.ofNullable(newest);
    }
}
