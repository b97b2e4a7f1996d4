package io.harbormaster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AzureCloudTest {
    private static AzureCloud from(String... pairs) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return AzureCloud.from(new AppSettings(map));
    }

    @Test
    void thePublicCloudByDefault() {
        AzureCloud cloud = from();
        assertEquals("AzureCloud", cloud.name());
        assertEquals(URI.create("https://management.azure.com/"), cloud.resourceManagerEndpoint());
        assertTrue(cloud.named());
    }

    @Test
    void sovereignCloudsByTheirNamesInAnyCase() {
        assertEquals(URI.create("https://management.usgovcloudapi.net/"),
                from(AzureCloud.SETTING, "azureusgovernment").resourceManagerEndpoint());
        assertEquals("AzureChinaCloud", from(AzureCloud.SETTING, "AzureChinaCloud").name());
    }

    @Test
    void anHttpsUrlWithTheIdentityEndpointIsTheEmulator() {
        AzureCloud cloud = from(AzureCloud.SETTING, "https://127.0.0.1:7443", AzureCloud.IDENTITY_ENDPOINT,
                "http://127.0.0.1:7444/msi/token", AzureCloud.IDENTITY_HEADER, "secret");
        assertEquals(URI.create("https://127.0.0.1:7443/"), cloud.resourceManagerEndpoint());
        assertFalse(cloud.named());
    }

    @Test
    void aUrlWithoutTheIdentityEndpointIsRefusedSoThatNoTokenIsAskedOfImds() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> from(AzureCloud.SETTING, "https://127.0.0.1:7443/", AzureCloud.IDENTITY_HEADER, "secret"));
        assertEquals(AzureCloud.IDENTITY_ENDPOINT, e.setting());
        assertTrue(e.getMessage().contains(AzureCloud.SETTING), e.getMessage());
        assertEquals(AzureCloud.IDENTITY_HEADER, assertThrows(InvalidSettingException.class, () -> from(
                AzureCloud.SETTING, "https://127.0.0.1:7443/", AzureCloud.IDENTITY_ENDPOINT, "http://x/")).setting());
    }

    @Test
    void plainHttpAndOtherTextAreRefusedWithWhatIsExpected() {
        for (String value : new String[] {"http://127.0.0.1:7443/", "AzureGermanCloud", "https://", "https://h/?a=b"}) {
            InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> from(AzureCloud.SETTING, value,
                    AzureCloud.IDENTITY_ENDPOINT, "http://x/", AzureCloud.IDENTITY_HEADER, "s"));
            assertEquals(AzureCloud.SETTING, e.setting());
            assertTrue(e.getMessage().contains("AzureUSGovernment"), e.getMessage());
        }
    }
}
