package io.harbormaster.emulator;

import io.harbormaster.capacity.CapacityPolicy;
import io.harbormaster.capacity.Pool;
import io.harbormaster.capacity.PoolSettings;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.config.ScaleSetSettings;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * How the Azure emulator is set up. The subscription, resource group and scale set name are the app's own settings,
 * so the scale set's id is the one the app expects; the rest is the emulator's, each named in the README. With the
 * app's {@code HARBORMASTER_POOLS} it runs one scale set per pool instead.
 *
 * @param scaleSetName the first scale set's name (the only one without pools)
 * @param pools the scale sets to create, the first being {@code scaleSetName}
 */
public record EmulatorSettings(
        String subscriptionId,
        String resourceGroup,
        String scaleSetName,
        String computerNamePrefix,
        String location,
        Path stateDirectory,
        InetAddress bridgeAddress,
        int armPort,
        int identityPort,
        int imdsPort,
        int controlPort,
        int initialCapacity,
        String sku,
        List<String> zones,
        String priority,
        String evictionPolicy,
        Duration terminateNotice,
        Duration preemptNotice,
        URI functionUrl,
        Path cloudConfig,
        String managerName,
        List<ScaleSetPlan> pools) {

    /**
     * One scale set the emulator creates: its name, its instances' computer name prefix, its capacity at start, its
     * priority, its orchestration mode ("Uniform" or "Flexible") and its resource group (null: the app's
     * {@code HARBORMASTER_RESOURCE_GROUP}; a Flexible pool's own). Every pool's agents boot from the same cloud-config,
     * filled with the pool's {@code genericResources} as infra/cluster.json fills it.
     */
    public record ScaleSetPlan(String scaleSetName, String computerNamePrefix, int initialCapacity, String priority,
            String orchestrationMode, String resourceGroup, Map<String, Long> genericResources) {

        public ScaleSetPlan {
            genericResources = Map.copyOf(genericResources);
        }

        /** A Uniform scale set in the app's resource group. */
        public ScaleSetPlan(String scaleSetName, String computerNamePrefix, int initialCapacity, String priority) {
            this(scaleSetName, computerNamePrefix, initialCapacity, priority, "Uniform", null);
        }

        /** A scale set whose agents advertise no generic resource. */
        public ScaleSetPlan(String scaleSetName, String computerNamePrefix, int initialCapacity, String priority,
                String orchestrationMode, String resourceGroup) {
            this(scaleSetName, computerNamePrefix, initialCapacity, priority, orchestrationMode, resourceGroup, Map.of());
        }
    }

    public static final String DIR = "HARBORMASTER_EMULATOR_DIR";
    public static final String BRIDGE_ADDRESS = "HARBORMASTER_EMULATOR_BRIDGE_ADDRESS";
    public static final String ARM_PORT = "HARBORMASTER_EMULATOR_ARM_PORT";
    public static final String IDENTITY_PORT = "HARBORMASTER_EMULATOR_IDENTITY_PORT";
    public static final String IMDS_PORT = "HARBORMASTER_EMULATOR_IMDS_PORT";
    public static final String CONTROL_PORT = "HARBORMASTER_EMULATOR_CONTROL_PORT";
    public static final String CAPACITY = "HARBORMASTER_EMULATOR_CAPACITY";
    public static final String LOCATION = "HARBORMASTER_EMULATOR_LOCATION";
    public static final String COMPUTER_NAME_PREFIX = "HARBORMASTER_EMULATOR_COMPUTER_NAME_PREFIX";
    public static final String SKU = "HARBORMASTER_EMULATOR_SKU";
    public static final String ZONES = "HARBORMASTER_EMULATOR_ZONES";
    public static final String PRIORITY = "HARBORMASTER_EMULATOR_PRIORITY";
    public static final String EVICTION_POLICY = "HARBORMASTER_EMULATOR_EVICTION_POLICY";
    public static final String TERMINATE_NOTICE = "HARBORMASTER_EMULATOR_TERMINATE_NOTICE";
    public static final String PREEMPT_NOTICE = "HARBORMASTER_EMULATOR_PREEMPT_NOTICE";
    public static final String FUNCTION_URL = "HARBORMASTER_EMULATOR_FUNCTION_URL";
    public static final String CLOUD_CONFIG = "HARBORMASTER_EMULATOR_CLOUD_CONFIG";
    public static final String MANAGER_NAME = "HARBORMASTER_EMULATOR_MANAGER_NAME";

    public static EmulatorSettings from(AppSettings settings) {
        List<Pool> appPools = settings.optional(ScaleSetSettings.POOLS).isEmpty() ? List.of()
                : PoolSettings.from(settings, CapacityPolicy.DEFAULTS).pools();
        ScaleSetSettings target = appPools.isEmpty() ? ScaleSetSettings.from(withoutCloud(settings))
                : ScaleSetSettings.inClusterGroup(withoutCloud(settings), appPools.get(0).scaleSetName());
        String priority = settings.optional(PRIORITY, "Regular");
        if (!List.of("Regular", "Spot").contains(priority)) {
            throw new InvalidSettingException(PRIORITY, "is '" + priority + "': expected Regular or Spot");
        }
        String eviction = settings.optional(EVICTION_POLICY, "Spot".equals(priority) ? "Deallocate" : "");
        if (!eviction.isEmpty() && !List.of("Deallocate", "Delete").contains(eviction)) {
            throw new InvalidSettingException(EVICTION_POLICY, "is '" + eviction + "': expected Deallocate or Delete");
        }
        List<String> zones = Arrays.stream(settings.optional(ZONES, "").split(","))
                .map(String::trim).filter(zone -> !zone.isEmpty()).toList();
        for (String zone : zones) {
            if (!zone.matches("[1-3]")) {
                throw new InvalidSettingException(ZONES, "is '" + String.join(",", zones)
                        + "': expected availability zones such as 1,2,3, or nothing for none");
            }
        }
        String prefix = computerNamePrefix(settings.optional(COMPUTER_NAME_PREFIX, "agent"));
        int capacity = settings.integer(CAPACITY, 2, 0, 50);
        return new EmulatorSettings(
                target.subscriptionId(),
                target.resourceGroup(),
                target.scaleSetName(),
                prefix,
                settings.optional(LOCATION, "westeurope").toLowerCase(Locale.ROOT),
                Path.of(settings.optional(DIR, ".dev/emulator")).toAbsolutePath().normalize(),
                address(settings.optional(BRIDGE_ADDRESS, "10.213.77.1")),
                port(settings, ARM_PORT, 7443),
                port(settings, IDENTITY_PORT, 7444),
                port(settings, IMDS_PORT, 7445),
                port(settings, CONTROL_PORT, 7446),
                capacity,
                settings.optional(SKU, "Standard_D2s_v5"),
                zones,
                priority,
                eviction,
                // Learn: the terminate notification's notBeforeTimeout is 5 to 15 minutes; shorter here only for tests.
                settings.duration(TERMINATE_NOTICE, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofMinutes(15)),
                // Learn: a Spot eviction gives at least 30 s of notice.
                settings.duration(PREEMPT_NOTICE, Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofMinutes(5)),
                URI.create(settings.required(FUNCTION_URL,
                        "the function app's URL as nodes reach it, such as http://10.213.77.1:7071")),
                readable(settings, CLOUD_CONFIG, "the agents' cloud-config, cloud-init/agent.yml"),
                settings.optional(MANAGER_NAME, "master0"),
                scaleSets(appPools, target.scaleSetName(), prefix, capacity, priority));
    }

    /**
     * The single scale set, or one per pool: the first pool's instances take the prefix, pool i's the prefix cut to 8
     * characters and i (so names stay unique and 1 to 9 characters, as Learn allows); each starts at its pool's
     * minimum and has its pool's priority.
     */
    private static List<ScaleSetPlan> scaleSets(List<Pool> pools, String single, String prefix, int capacity,
            String priority) {
        if (pools.isEmpty()) {
            return List.of(new ScaleSetPlan(single, prefix, capacity, priority));
        }
        if (pools.size() > 10) {
            throw new InvalidSettingException(ScaleSetSettings.POOLS, "lists " + pools.size()
                    + " pools: the emulator names the instances of at most 10");
        }
        List<ScaleSetPlan> plans = new java.util.ArrayList<>();
        for (int i = 0; i < pools.size(); i++) {
            Pool pool = pools.get(i);
            String poolPrefix = i == 0 ? prefix : prefix.substring(0, Math.min(prefix.length(), 8)) + i;
            plans.add(new ScaleSetPlan(pool.scaleSetName(), poolPrefix, pool.minAgents(),
                    pool.priority() == Pool.Priority.SPOT ? "Spot" : "Regular",
                    pool.mode() == ScaleSetModel.OrchestrationMode.FLEXIBLE ? "Flexible" : "Uniform", pool.resourceGroup(),
                    pool.genericResources()));
        }
        return plans;
    }

    /** The scale set's resource id, as ARM and Azure Monitor's autoscale payloads spell it. */
    public String scaleSetId() {
        return scaleSetId(scaleSetName);
    }

    /** The resource id of scale set {@code name} of this subscription, in its plan's resource group. */
    public String scaleSetId(String name) {
        String group = pools.stream().filter(plan -> plan.scaleSetName().equalsIgnoreCase(name))
                .map(ScaleSetPlan::resourceGroup).filter(java.util.Objects::nonNull).findFirst().orElse(resourceGroup);
        return "/subscriptions/" + subscriptionId + "/resourceGroups/" + group
                + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + name;
    }

    // The app's cloud setting names this emulator; the emulator itself needs only the three names.
    private static AppSettings withoutCloud(AppSettings settings) {
        return new AppSettings(java.util.Map.of(
                ScaleSetSettings.SUBSCRIPTION_ID, settings.optional(ScaleSetSettings.SUBSCRIPTION_ID, ""),
                ScaleSetSettings.RESOURCE_GROUP, settings.optional(ScaleSetSettings.RESOURCE_GROUP, ""),
                ScaleSetSettings.SCALE_SET_NAME, settings.optional(ScaleSetSettings.SCALE_SET_NAME, "")));
    }

    // Learn: a Linux computer name prefix is 1 to 9 characters; instance names add 6 base-36 digits. Hostnames are
    // also network namespace names here, so lower case.
    private static String computerNamePrefix(String prefix) {
        if (!prefix.matches("[a-z][a-z0-9-]{0,8}")) {
            throw new InvalidSettingException(COMPUTER_NAME_PREFIX, "is '" + prefix
                    + "': expected 1 to 9 lower-case letters, digits or '-', starting with a letter");
        }
        return prefix;
    }

    private static int port(AppSettings settings, String name, int defaultValue) {
        return settings.integer(name, defaultValue, 1, 65535);
    }

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new InvalidSettingException(BRIDGE_ADDRESS, "is '" + text + "': expected the bridge's IPv4 address");
        }
    }

    private static Path readable(AppSettings settings, String name, String expectation) {
        Path path = Path.of(settings.required(name, expectation));
        if (!Files.isReadable(path)) {
            throw new InvalidSettingException(name, "is '" + path + "', which is not a readable file: expected " + expectation);
        }
        return path.toAbsolutePath().normalize();
    }
}
