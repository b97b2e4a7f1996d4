package io.harbormaster.trust;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.AzureCloud;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.config.ScaleSetSettings;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How nodes prove themselves: the trust anchors of IMDS's signer and its domain, nonce and credential lifetimes, the
 * manager VMs, the trust key, per-node rates and drain deadline bounds. Attestation is on when
 * {@value #TRUST_PEM} is set; it then needs the scale set settings (our subscription, and the instances' vmIds).
 */
public record TrustSettings(
        TrustAnchors anchors,
        String signerDomain,
        Duration nonceLifetime,
        List<String> managerVmNames,
        Optional<TrustKey> key,
        Duration credentialLifetime,
        int joinsPerMinute,
        int drainsPerMinute,
        CallerRights.DrainBounds drainBounds,
        ScaleSetSettings scaleSet) {

    public static final String TRUST_PEM = "HARBORMASTER_ATTESTATION_TRUST_PEM";
    public static final String SIGNER_DOMAIN = "HARBORMASTER_ATTESTATION_SIGNER_DOMAIN";
    public static final String NONCE_LIFETIME = "HARBORMASTER_ATTESTATION_NONCE_LIFETIME";
    public static final String MANAGER_VM_NAMES = "HARBORMASTER_MANAGER_VM_NAMES";
    public static final String TRUST_KEY = "HARBORMASTER_TRUST_KEY";
    public static final String CREDENTIAL_LIFETIME = "HARBORMASTER_NODE_CREDENTIAL_LIFETIME";
    public static final String JOINS_PER_MINUTE = "HARBORMASTER_NODE_JOINS_PER_MINUTE";
    public static final String DRAINS_PER_MINUTE = "HARBORMASTER_NODE_DRAINS_PER_MINUTE";
    public static final String DRAIN_MAX_DEADLINE = "HARBORMASTER_NODE_DRAIN_MAX_DEADLINE";

    /** An agent's own drain ends no sooner than this: a shorter deadline would only remove its node with its tasks. */
    static final Duration SHORTEST_DRAIN_DEADLINE = Duration.ofSeconds(10);
    // RFC 1123 host names, lower case: the domain the signer's name must be a subdomain of.
    private static final Pattern DOMAIN = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");
    private static final Pattern VM_NAME = Pattern.compile("[A-Za-z0-9](?:[-\\w.]{0,62}\\w)?");

    /** The settings when {@value #TRUST_PEM} is set, else empty: the node routes then answer 503. */
    public static Optional<TrustSettings> from(AppSettings settings) {
        Optional<String> pem = settings.optional(TRUST_PEM);
        if (pem.isEmpty()) {
            return Optional.empty();
        }
        TrustAnchors anchors;
        try {
            anchors = TrustAnchors.fromPem(pem.get().replace("\\n", "\n"));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(TRUST_PEM, "is not usable: " + e.getMessage() + "; expected the PEM of the"
                    + " root and intermediate certificates of the IMDS attested-data signer (see README, Attestation)");
        }
        if (!ScaleSetSettings.named(settings)) {
            throw new InvalidSettingException(ScaleSetSettings.SCALE_SET_NAME, "is missing (nor is "
                    + ScaleSetSettings.POOLS + " set): " + TRUST_PEM
                    + " turns attestation on, which maps a node's vmId to an instance of the agents' scale sets");
        }
        // The subscription, group and cloud are what attestation needs; the pools' scale sets come with the port.
        ScaleSetSettings scaleSet = settings.optional(ScaleSetSettings.SCALE_SET_NAME).isPresent()
                ? ScaleSetSettings.from(settings)
                : ScaleSetSettings.inClusterGroup(settings, "pools");
        Duration longestDrain = settings.duration(DRAIN_MAX_DEADLINE, Duration.ofMinutes(30), Duration.ofMinutes(1),
                Duration.ofHours(24));
        Duration defaultDrain = DrainSettings.from(settings).defaultTimeout();
        return Optional.of(new TrustSettings(
                anchors,
                signerDomain(settings, scaleSet.cloud()),
                settings.duration(NONCE_LIFETIME, Duration.ofMinutes(2), Duration.ofSeconds(10), Duration.ofMinutes(15)),
                managerVmNames(settings),
                key(settings),
                settings.duration(CREDENTIAL_LIFETIME, Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofHours(24)),
                settings.integer(JOINS_PER_MINUTE, 10, 1, 600),
                settings.integer(DRAINS_PER_MINUTE, 6, 1, 600),
                new CallerRights.DrainBounds(SHORTEST_DRAIN_DEADLINE, longestDrain,
                        defaultDrain.compareTo(longestDrain) < 0 ? defaultDrain : longestDrain),
                scaleSet));
    }

    /** Learn lists the signer per cloud: *.metadata.azure.com, *.metadata.azure.us, *.metadata.azure.cn. */
    static String signerDomain(AppSettings settings, AzureCloud cloud) {
        String byCloud = switch (cloud.name()) {
            case "AzureUSGovernment" -> "metadata.azure.us";
            case "AzureChinaCloud" -> "metadata.azure.cn";
            default -> "metadata.azure.com";
        };
        String domain = settings.optional(SIGNER_DOMAIN, byCloud).toLowerCase(Locale.ROOT);
        if (!DOMAIN.matcher(domain).matches()) {
            throw new InvalidSettingException(SIGNER_DOMAIN, "is '" + domain + "': expected a DNS domain such as "
                    + byCloud);
        }
        return domain;
    }

    private static List<String> managerVmNames(AppSettings settings) {
        if (settings.optional(MANAGER_VM_NAMES).isEmpty()) {
            return List.of();
        }
        List<String> names = settings.list(MANAGER_VM_NAMES, "comma-separated names of the manager VMs");
        for (String name : names) {
            if (!VM_NAME.matcher(name).matches()) {
                throw new InvalidSettingException(MANAGER_VM_NAMES, "has '" + name + "': expected VM names of letters,"
                        + " digits, '-', '_' and '.'");
            }
        }
        return names;
    }

    static Optional<TrustKey> key(AppSettings settings) {
        Optional<String> raw = settings.optional(TRUST_KEY);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new TrustKey(Base64.getDecoder().decode(raw.get())));
        } catch (IllegalArgumentException e) {
            // The value is a secret: the message says what is wrong, never what it is.
            throw new InvalidSettingException(TRUST_KEY, "is not usable: expected base64 of at least "
                    + TrustKey.MIN_BYTES + " random bytes (openssl rand -base64 32)");
        }
    }

    @Override
    public String toString() {
        return "TrustSettings[" + anchors + ", signerDomain=" + signerDomain + ", nonceLifetime=" + nonceLifetime
                + ", managerVmNames=" + managerVmNames + ", key=" + (key.isPresent() ? "<set>" : "<stored>")
                + ", credentialLifetime=" + credentialLifetime + ", joinsPerMinute=" + joinsPerMinute
                + ", drainsPerMinute=" + drainsPerMinute + ", drainBounds=" + drainBounds + "]";
    }
}
