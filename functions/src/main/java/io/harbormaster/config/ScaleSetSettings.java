package io.harbormaster.config;

import java.util.Objects;
import java.util.regex.Pattern;

/** Which VM scale set holds the agents: its subscription, resource group and name, and the Resource Manager that has it. */
public record ScaleSetSettings(String subscriptionId, String resourceGroup, String scaleSetName, AzureCloud cloud) {
    public static final String SUBSCRIPTION_ID = "HARBORMASTER_SUBSCRIPTION_ID";
    public static final String RESOURCE_GROUP = "HARBORMASTER_RESOURCE_GROUP";
    public static final String SCALE_SET_NAME = "HARBORMASTER_SCALE_SET_NAME";
    /** The pools' setting, read by {@code capacity.PoolSettings}; named here because it also names scale sets. */
    public static final String POOLS = "HARBORMASTER_POOLS";

    private static final Pattern GUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    // Azure's own naming rules; they also keep the values safe as path segments of ARM URLs.
    private static final Pattern RESOURCE_GROUP_NAME = Pattern.compile("[-\\w.()]{0,89}[-\\w()]");
    private static final Pattern SCALE_SET_NAME_RULE = Pattern.compile("[A-Za-z0-9](?:[-\\w.]{0,62}\\w)?");
    private static final String SCALE_SET_EXPECTED =
            "a VM scale set name: 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit";

    public static ScaleSetSettings from(AppSettings settings) {
        return build(settings, null);
    }

    /** Whether some setting names the agents' scale sets: the single one, or the pools. */
    public static boolean named(AppSettings settings) {
        return settings.optional(SCALE_SET_NAME).isPresent() || settings.optional(POOLS).isPresent();
    }

    /**
     * The subscription, cloud and cluster resource group ({@value #RESOURCE_GROUP}) of the settings, with the scale set
     * {@code scaleSetName}, which {@value #POOLS} names (a pool without a resource group of its own).
     */
    public static ScaleSetSettings inClusterGroup(AppSettings settings, String scaleSetName) {
        return build(settings, scaleSetName);
    }

    /**
     * As {@link #inClusterGroup(AppSettings, String)}, but in {@code resourceGroup}: a pool's own group, already
     * validated (the cluster's group is still validated, as the app's other resources live there).
     */
    public static ScaleSetSettings inGroup(AppSettings settings, String scaleSetName, String resourceGroup) {
        ScaleSetSettings inCluster = build(settings, scaleSetName);
        return new ScaleSetSettings(inCluster.subscriptionId(), Objects.requireNonNull(resourceGroup, "resourceGroup"),
                inCluster.scaleSetName(), inCluster.cloud());
    }

    private static ScaleSetSettings build(AppSettings settings, String scaleSetName) {
        String subscription = matching(settings, SUBSCRIPTION_ID, GUID,
                "a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)");
        String group = matching(settings, RESOURCE_GROUP, RESOURCE_GROUP_NAME,
                "a resource group name: 1 to 90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'");
        String name;
        if (scaleSetName == null) {
            name = matching(settings, SCALE_SET_NAME, SCALE_SET_NAME_RULE, SCALE_SET_EXPECTED);
        } else if (SCALE_SET_NAME_RULE.matcher(scaleSetName).matches()) {
            name = scaleSetName;
        } else {
            throw new InvalidSettingException(POOLS, "names scale set '" + scaleSetName + "': expected " + SCALE_SET_EXPECTED);
        }
        return new ScaleSetSettings(subscription, group, name, AzureCloud.from(settings));
    }

    private static String matching(AppSettings settings, String name, Pattern rule, String expectation) {
        String value = settings.required(name, expectation);
        if (!rule.matcher(value).matches()) {
            throw new InvalidSettingException(name, "is '" + value + "': expected " + expectation);
        }
        return value;
    }
}
