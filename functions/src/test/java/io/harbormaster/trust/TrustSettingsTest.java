package io.harbormaster.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrustSettingsTest {
    private static final TestPki PKI = new TestPki();

    private static Map<String, String> base() {
        Map<String, String> values = new HashMap<>();
        values.put("HARBORMASTER_ATTESTATION_TRUST_PEM", PKI.anchorsPem().replace("\n", "\\n"));
        values.put("HARBORMASTER_SUBSCRIPTION_ID", TestPki.SUBSCRIPTION);
        values.put("HARBORMASTER_RESOURCE_GROUP", "rg");
        values.put("HARBORMASTER_SCALE_SET_NAME", "agents");
        return values;
    }

    @Test
    void attestationIsOffWithoutTrustAnchors() {
        assertTrue(TrustSettings.from(new AppSettings(Map.of())).isEmpty());
    }

    @Test
    void defaultsFollowTheCloud() {
        TrustSettings settings = TrustSettings.from(new AppSettings(base())).orElseThrow();
        assertEquals("metadata.azure.com", settings.signerDomain());
        assertEquals(Duration.ofMinutes(2), settings.nonceLifetime());
        assertEquals(List.of(), settings.managerVmNames());
        assertTrue(settings.key().isEmpty());
        assertEquals(Duration.ofMinutes(10), settings.drainBounds().whenNoneGiven());
        assertEquals(List.of(PKI.root), settings.anchors().roots());
        Map<String, String> government = base();
        government.put("HARBORMASTER_AZURE_CLOUD", "AzureUSGovernment");
        assertEquals("metadata.azure.us", TrustSettings.from(new AppSettings(government)).orElseThrow().signerDomain());
        Map<String, String> china = base();
        china.put("HARBORMASTER_AZURE_CLOUD", "AzureChinaCloud");
        assertEquals("metadata.azure.cn", TrustSettings.from(new AppSettings(china)).orElseThrow().signerDomain());
    }

    @Test
    void eachBadSettingIsNamed() {
        assertNamed("HARBORMASTER_ATTESTATION_TRUST_PEM", "HARBORMASTER_ATTESTATION_TRUST_PEM", "not pem");
        assertNamed("HARBORMASTER_SCALE_SET_NAME", "HARBORMASTER_SCALE_SET_NAME", "");
        assertNamed("HARBORMASTER_ATTESTATION_SIGNER_DOMAIN", "HARBORMASTER_ATTESTATION_SIGNER_DOMAIN", "*.example");
        assertNamed("HARBORMASTER_MANAGER_VM_NAMES", "HARBORMASTER_MANAGER_VM_NAMES", "master0, bad name");
        assertNamed("HARBORMASTER_ATTESTATION_NONCE_LIFETIME", "HARBORMASTER_ATTESTATION_NONCE_LIFETIME", "1h");
        assertNamed("HARBORMASTER_NODE_DRAIN_MAX_DEADLINE", "HARBORMASTER_NODE_DRAIN_MAX_DEADLINE", "5s");
        InvalidSettingException key = assertNamed("HARBORMASTER_TRUST_KEY", "HARBORMASTER_TRUST_KEY", "c2hvcnQ=");
        assertFalse(key.getMessage().contains("c2hvcnQ="), "the key's value is never echoed");
    }

    @Test
    void managerNamesAndAKeyAreRead() {
        Map<String, String> values = base();
        values.put("HARBORMASTER_MANAGER_VM_NAMES", "master0, master1");
        values.put("HARBORMASTER_TRUST_KEY", java.util.Base64.getEncoder().encodeToString(new byte[32]));
        TrustSettings settings = TrustSettings.from(new AppSettings(values)).orElseThrow();
        assertEquals(List.of("master0", "master1"), settings.managerVmNames());
        assertTrue(settings.key().isPresent());
        assertFalse(settings.toString().contains("AAAAAAAA"), settings.toString());
    }

    private static InvalidSettingException assertNamed(String setting, String name, String value) {
        Map<String, String> values = base();
        values.put(name, value);
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> TrustSettings.from(new AppSettings(values)));
        assertEquals(setting, e.setting(), e.getMessage());
        return e;
    }
}
