package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.AzureCloud;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.config.ScaleSetSettings;
import io.harbormaster.scaleset.AzureScaleSet;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ControlPlaneTest {
    private static final Map<String, String> SCALE_SET = Map.of(
            ScaleSetSettings.SUBSCRIPTION_ID, "6f5c6a3e-1b0a-4c1e-9a57-2d1f0c7e8b42",
            ScaleSetSettings.RESOURCE_GROUP, "harbormaster-cluster-rg",
            ScaleSetSettings.SCALE_SET_NAME, "harbormaster-agents");

    @Test
    void theAzureScaleSetWhenItsNameIsSetAndNoneWithout() {
        assertInstanceOf(AzureScaleSet.class, ControlPlane.scaleSet(new AppSettings(SCALE_SET)).orElseThrow());
        assertEquals(Optional.empty(), ControlPlane.scaleSet(new AppSettings(Map.of())));
    }

    @Test
    void anEmulatorUrlWithoutTheIdentityEndpointStopsTheAppNamingIt() {
        Map<String, String> settings = new java.util.HashMap<>(SCALE_SET);
        settings.put(AzureCloud.SETTING, "https://127.0.0.1:7443/");
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> ControlPlane.scaleSet(new AppSettings(settings)));
        assertEquals(AzureCloud.IDENTITY_ENDPOINT, e.setting());
    }

    @Test
    void aBadJoinTokenRotationStopsTheAppNamingItBeforeAnythingConnects() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> ControlPlane.from(new AppSettings(Map.of(
                "HARBORMASTER_DOCKER_HOSTS", "unix:///nonexistent/harbormaster.sock",
                "AzureWebJobsStorage", "UseDevelopmentStorage=true",
                io.harbormaster.config.JoinTokenSettings.ROTATION, "monthly"))));
        assertEquals(io.harbormaster.config.JoinTokenSettings.ROTATION, e.setting());
        assertEquals("Setting HARBORMASTER_JOIN_TOKEN_ROTATION is 'monthly': expected a duration from 1h to 365d such as"
                + " P7D, 12h or 30d, or off", e.getMessage());
    }
}
