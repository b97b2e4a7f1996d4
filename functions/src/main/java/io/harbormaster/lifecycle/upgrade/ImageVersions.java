package io.harbormaster.lifecycle.upgrade;

/** Marketplace and gallery image versions, {@code Major.Minor.Patch} with whole numbers, compared part by part. */
final class ImageVersions {
    private ImageVersions() {
    }

    /** Whether {@code version} is older than {@code newest}; a part that is not a number compares as text. */
    static boolean older(String version, String newest) {
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
}
