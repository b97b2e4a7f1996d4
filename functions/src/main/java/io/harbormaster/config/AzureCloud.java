package io.harbormaster.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;

/**
 * Which Azure Resource Manager the app talks to: one of Azure's clouds by name, or an https URL (Azure Stack, or the
 * local emulator). {@code named} is false for a URL.
 */
public record AzureCloud(String name, URI resourceManagerEndpoint, boolean named) {
    public static final String SETTING = "HARBORMASTER_AZURE_CLOUD";
    /** Set by App Service (and the local emulator) where a managed identity is enabled; read by azure-identity. */
    public static final String IDENTITY_ENDPOINT = "IDENTITY_ENDPOINT";
    public static final String IDENTITY_HEADER = "IDENTITY_HEADER";
    /** Azure's public cloud, the default. */
    public static final AzureCloud PUBLIC = new AzureCloud("AzureCloud", URI.create("https://management.azure.com/"), true);

    // The names `az cloud list` uses; the endpoints are those of azure-core-management's AzureEnvironment.
    private static final Map<String, URI> CLOUDS = Map.of(
            "AzureCloud", URI.create("https://management.azure.com/"),
            "AzureUSGovernment", URI.create("https://management.usgovcloudapi.net/"),
            "AzureChinaCloud", URI.create("https://management.chinacloudapi.cn/"));
    private static final String EXPECTATION = "AzureCloud, AzureUSGovernment, AzureChinaCloud, or the https URL of a"
            + " Resource Manager endpoint such as https://127.0.0.1:7443/ (the local emulator)";

    public static AzureCloud from(AppSettings settings) {
        String value = settings.optional(SETTING, "AzureCloud");
        for (Map.Entry<String, URI> cloud : CLOUDS.entrySet()) {
            if (cloud.getKey().equalsIgnoreCase(value)) {
                return new AzureCloud(cloud.getKey(), cloud.getValue(), true);
            }
        }
        URI url = url(value);
        // azure-identity asks the Instance Metadata Service for a token when no App Service identity endpoint is set.
        // Outside Azure that address may belong to the machine's own cloud, so a URL needs the endpoint spelled out.
        for (String identity : new String[] {IDENTITY_ENDPOINT, IDENTITY_HEADER}) {
            if (settings.optional(identity).isEmpty()) {
                throw new InvalidSettingException(identity, "is missing: " + SETTING + " names a Resource Manager URL ("
                        + url + "), whose tokens come from the managed identity endpoint that " + IDENTITY_ENDPOINT
                        + " and " + IDENTITY_HEADER + " name (scripts/dev.sh sets both to the emulator's)");
            }
        }
        return new AzureCloud(url.toString(), url, false);
    }

    private static URI url(String value) {
        try {
            URI url = new URI(value.endsWith("/") ? value : value + "/");
            // The Azure SDK sends bearer tokens over https only.
            if ("https".equalsIgnoreCase(url.getScheme()) && url.getHost() != null && url.getRawQuery() == null
                    && url.getRawFragment() == null && url.getRawUserInfo() == null) {
                return url;
            }
        } catch (URISyntaxException e) {
            // reported below with what is expected
        }
        throw new InvalidSettingException(SETTING, "is '" + value + "': expected " + EXPECTATION);
    }
}
