package io.harbormaster.capacity;

import io.harbormaster.swarm.Resources;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/** CPU, memory, durations and shares written the way the plan's reasons show them: 1.5 CPU, 7 GiB, 3m, 12 %. */
final class HumanUnits {
    private static final long KIB = 1024;
    private static final long MIB = KIB * 1024;
    private static final long GIB = MIB * 1024;

    private HumanUnits() {
    }

    /** "1.5 CPU / 512 MiB", then each generic resource: "1.5 CPU / 512 MiB / gpu 1". */
    static String resources(Resources resources) {
        String text = cpu(resources.nanoCpus()) + " / " + memory(resources.memoryBytes());
        for (java.util.Map.Entry<String, Long> kind : resources.generic().entrySet()) {
            text += " / " + kind.getKey() + " " + kind.getValue();
        }
        return text;
    }

    static String cpu(long nanoCpus) {
        return decimal(nanoCpus, 1_000_000_000L) + " CPU";
    }

    static String memory(long bytes) {
        if (bytes >= GIB) {
            return decimal(bytes, GIB) + " GiB";
        }
        if (bytes >= MIB) {
            return decimal(bytes, MIB) + " MiB";
        }
        return bytes >= KIB ? decimal(bytes, KIB) + " KiB" : bytes + " B";
    }

    static String duration(Duration duration) {
        long seconds = Math.max(0, duration.getSeconds());
        long hours = seconds / 3600;
        long minutes = seconds % 3600 / 60;
        long rest = seconds % 60;
        if (hours > 0) {
            return hours + "h" + (minutes > 0 ? minutes + "m" : "");
        }
        if (minutes > 0) {
            return minutes + "m" + (rest > 0 ? rest + "s" : "");
        }
        return rest + "s";
    }

    static String percent(double share) {
        return Math.round(share * 100) + " %";
    }

    static String count(long n, String singular, String plural) {
        return n + " " + (n == 1 ? singular : plural);
    }

    private static String decimal(long amount, long unit) {
        return BigDecimal.valueOf(amount).divide(BigDecimal.valueOf(unit), 2, RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString();
    }
}
