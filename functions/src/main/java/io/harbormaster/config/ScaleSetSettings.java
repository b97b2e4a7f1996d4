package io.harbormaster.config;

import java.util.regex.Pattern;

/** Which VM scale set holds the agents: its subscription, resource group and name, and the Resource Manager that has it. */
public record ScaleSetSettings(String subscriptionId, String resourceGroup, String scaleSetName, AzureCloud cloud) {
    public static final String SUBSCRIPTION_ID = "HARBORMASTER_SUBSCRIPTION_ID";
    public static final String RESOURCE_GROUP = "HARBORMASTER_RESOURCE_GROUP";
    public static final String SCALE_SET_NAME = "HARBORMASTER_SCALE_SET_NAME";

    private static final Pattern GUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    // Azure's own naming rules; they also keep the values safe as path segments of ARM URLs.
    private static final Pattern RESOURCE_GROUP_NAME = Pattern.compile("[-\\w.()]{0,89}[-\\w()]");
    private static final Pattern SCALE_SET_NAME_RULE = Pattern.compile("[A-Za-z0-9](?:[-\\w.]{0,62}\\w)?");

    public static ScaleSetSettings from(AppSettings settings) {
        return new ScaleSetSettings(
                matching(settings, SUBSCRIPTION_ID, GUID, "a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)"),
                matching(settings, RESOURCE_GROUP, RESOURCE_GROUP_NAME,
                        "a resource group name: 1 to 90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'"),
                matching(settings, SCALE_SET_NAME, SCALE_SET_NAME_RULE,
                        "a VM scale set name: 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit"),
                AzureCloud.from(settings));
    }

    private static String matching(AppSettings settings, String name, Pattern rule, String expectation) {
        String value = settings.required(name, expectation);
        if (!rule.matcher(value).matches()) {
            throw new InvalidSettingException(name, "is '" + value + "': expected " + expectation);
        }
        return value;
    }
}
