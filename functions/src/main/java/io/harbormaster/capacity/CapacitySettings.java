package io.harbormaster.capacity;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.config.TimerTriggerSchedule;
import io.harbormaster.swarm.Resources;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When the capacity check runs and the policy it decides by. {@code schedule} is read by the Functions host itself
 * (the timer's {@code %HARBORMASTER_CAPACITY_SCHEDULE%}); it is validated here so a typo stops the app with its name.
 */
public record CapacitySettings(String schedule, CapacityPolicy policy) {
    public static final String SCHEDULE = "HARBORMASTER_CAPACITY_SCHEDULE";
    public static final String MIN_AGENTS = "HARBORMASTER_CAPACITY_MIN_AGENTS";
    public static final String MAX_AGENTS = "HARBORMASTER_CAPACITY_MAX_AGENTS";
    public static final String MAX_SCALE_OUT_STEP = "HARBORMASTER_CAPACITY_MAX_SCALE_OUT_STEP";
    public static final String MAX_SCALE_IN_STEP = "HARBORMASTER_CAPACITY_MAX_SCALE_IN_STEP";
    public static final String SCALE_IN_UTILISATION = "HARBORMASTER_CAPACITY_SCALE_IN_UTILISATION";
    public static final String UNNEEDED_TIME = "HARBORMASTER_CAPACITY_UNNEEDED_TIME";
    public static final String SCALE_IN_DELAY_AFTER_SCALE_OUT = "HARBORMASTER_CAPACITY_SCALE_IN_DELAY_AFTER_SCALE_OUT";
    public static final String DOWN_NODE_GRACE = "HARBORMASTER_CAPACITY_DOWN_NODE_GRACE";
    public static final String PROVISIONING_TIMEOUT = "HARBORMASTER_CAPACITY_PROVISIONING_TIMEOUT";
    public static final String REJOIN_GRACE = "HARBORMASTER_CAPACITY_REJOIN_GRACE";
    public static final String DRAIN_STALL_TIMEOUT = "HARBORMASTER_CAPACITY_DRAIN_STALL_TIMEOUT";
    public static final String AGENT_NANO_CPUS = "HARBORMASTER_CAPACITY_AGENT_NANO_CPUS";
    public static final String AGENT_MEMORY = "HARBORMASTER_CAPACITY_AGENT_MEMORY";
    public static final String DRY_RUN = "HARBORMASTER_CAPACITY_DRY_RUN";
    public static final String OPT_OUT_LABEL = "HARBORMASTER_CAPACITY_OPT_OUT_LABEL";
    public static final String SCALE_IN_MODE = "HARBORMASTER_CAPACITY_SCALE_IN_MODE";
    public static final String WARM_MAX = "HARBORMASTER_CAPACITY_WARM_MAX";

    public static final String DEFAULT_SCHEDULE = "*/30 * * * * *";
    /** Azure's limit for a Uniform scale set from a platform image. */
    static final int MOST_AGENTS = 1000;

    private static final Pattern MEMORY = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b?|b)?", Pattern.CASE_INSENSITIVE);
    // Docker's label key rules, loosely: what `docker node update --label-add` accepts without quoting.
    private static final Pattern LABEL = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)=([-A-Za-z0-9_.]*)");

    public static CapacitySettings from(AppSettings settings) {
        CapacityPolicy defaults = CapacityPolicy.DEFAULTS;
        String schedule = settings.optional(SCHEDULE, DEFAULT_SCHEDULE);
        try {
            TimerTriggerSchedule.parse(schedule);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(SCHEDULE, "is '" + schedule + "': " + e.getMessage()
                    + "; expected NCRONTAB with seconds such as */30 * * * * *");
        }
        int maxAgents = settings.integer(MAX_AGENTS, defaults.maxAgents(), 1, MOST_AGENTS);
        int minAgents = settings.integer(MIN_AGENTS, defaults.minAgents(), 0, MOST_AGENTS);
        if (minAgents > maxAgents) {
            throw new InvalidSettingException(MIN_AGENTS, "is " + minAgents + ": expected at most " + MAX_AGENTS
                    + " (" + maxAgents + ")");
        }
        int maxScaleOutStep = settings.integer(MAX_SCALE_OUT_STEP, defaults.maxScaleOutStep(), 1, MOST_AGENTS);
        CapacityPolicy.ScaleInMode scaleInMode = scaleInMode(settings);
        // One scale-out step's worth by default (never more than the scale set may hold): a burst can be met warm, and
        // disks beyond that cost for little gain.
        int warmMax = settings.integer(WARM_MAX, Math.min(maxScaleOutStep, maxAgents), 0, MOST_AGENTS);
        if (warmMax > maxAgents) {
            throw new InvalidSettingException(WARM_MAX, "is " + warmMax + ": expected at most " + MAX_AGENTS + " ("
                    + maxAgents + "), as warm instances count in the scale set's capacity");
        }
        Duration oneSecond = Duration.ofSeconds(1);
        Duration oneDay = Duration.ofDays(1);
        return new CapacitySettings(schedule, new CapacityPolicy(
                minAgents,
                maxAgents,
                maxScaleOutStep,
                settings.integer(MAX_SCALE_IN_STEP, defaults.maxScaleInStep(), 0, MOST_AGENTS),
                settings.integer(SCALE_IN_UTILISATION, defaults.scaleInUtilisationPercent(), 0, 100),
                settings.duration(UNNEEDED_TIME, defaults.unneededTime(), oneSecond, oneDay),
                settings.duration(SCALE_IN_DELAY_AFTER_SCALE_OUT, defaults.scaleInDelayAfterScaleOut(), Duration.ZERO, oneDay),
                settings.duration(DOWN_NODE_GRACE, defaults.downNodeGrace(), oneSecond, oneDay),
                settings.duration(PROVISIONING_TIMEOUT, defaults.provisioningTimeout(), Duration.ofSeconds(10), oneDay),
                settings.duration(REJOIN_GRACE, defaults.rejoinGrace(), Duration.ofMinutes(1), oneDay),
                settings.duration(DRAIN_STALL_TIMEOUT, defaults.drainStallTimeout(), Duration.ofMinutes(1), oneDay),
                new Resources(nanoCpus(settings, defaults.fallbackAgentSize().nanoCpus()),
                        memory(settings, defaults.fallbackAgentSize().memoryBytes())),
                optOutLabel(settings, defaults.optOutLabel()),
                settings.flag(DRY_RUN, defaults.dryRun()),
                scaleInMode,
                warmMax));
    }

    private static CapacityPolicy.ScaleInMode scaleInMode(AppSettings settings) {
        String raw = settings.optional(SCALE_IN_MODE, CapacityPolicy.ScaleInMode.DELETE.wireName());
        for (CapacityPolicy.ScaleInMode mode : CapacityPolicy.ScaleInMode.values()) {
            if (mode.wireName().equals(raw.trim().toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        throw new InvalidSettingException(SCALE_IN_MODE, "is '" + raw + "': expected delete or deallocate");
    }

    private static long nanoCpus(AppSettings settings, long defaultValue) {
        Optional<String> raw = settings.optional(AGENT_NANO_CPUS);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(raw.get());
            if (value >= 10_000_000L && value <= 1_000_000_000_000L) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the expected form
        }
        throw new InvalidSettingException(AGENT_NANO_CPUS, "is '" + raw.get()
                + "': expected billionths of a CPU from 10000000 (0.01 CPU) to 1000000000000, such as 2000000000 for 2 CPUs");
    }

    /** Bytes, or a number with Docker's binary units: 7g, 7.5GiB, 512m. */
    private static long memory(AppSettings settings, long defaultValue) {
        Optional<String> raw = settings.optional(AGENT_MEMORY);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        return memoryBytes(raw.get()).orElseThrow(() -> new InvalidSettingException(AGENT_MEMORY, "is '" + raw.get()
                + "': expected " + MEMORY_FORM));
    }

    static final String MEMORY_FORM = "a memory size from 64m to 64t, in bytes or with a binary unit such as 7g, 7.5GiB or 512m";

    /** Bytes, or a number with Docker's binary units (7g, 7.5GiB, 512m), from 64 MiB to 64 TiB; empty otherwise. */
    static OptionalLong memoryBytes(String raw) {
        Matcher matcher = MEMORY.matcher(raw);
        if (matcher.matches()) {
            String unit = matcher.group(2) == null ? "b" : matcher.group(2).toLowerCase(Locale.ROOT);
            int shift = switch (unit.charAt(0)) {
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                case 't' -> 40;
                default -> 0;
            };
            BigDecimal bytes = new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(1L << shift));
            if (bytes.compareTo(BigDecimal.valueOf(64L << 20)) >= 0 && bytes.compareTo(BigDecimal.valueOf(64L << 40)) <= 0) {
                return OptionalLong.of(bytes.longValue());
            }
        }
        return OptionalLong.empty();
    }

    private static CapacityPolicy.NodeLabel optOutLabel(AppSettings settings, CapacityPolicy.NodeLabel defaultValue) {
        Optional<String> raw = settings.optional(OPT_OUT_LABEL);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        Matcher matcher = LABEL.matcher(raw.get());
        if (!matcher.matches()) {
            throw new InvalidSettingException(OPT_OUT_LABEL, "is '" + raw.get()
                    + "': expected a node label as key=value, such as " + defaultValue);
        }
        return new CapacityPolicy.NodeLabel(matcher.group(1), matcher.group(2));
    }
}
