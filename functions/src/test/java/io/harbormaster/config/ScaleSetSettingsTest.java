package io.harbormaster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScaleSetSettingsTest {
    private static final String SUBSCRIPTION = "6f5c6a3e-1b0a-4c1e-9a57-2d1f0c7e8b42";

    private static ScaleSetSettings from(String... pairs) {
        Map<String, String> map = new HashMap<>();
        map.put(ScaleSetSettings.SUBSCRIPTION_ID, SUBSCRIPTION);
        map.put(ScaleSetSettings.RESOURCE_GROUP, "harbormaster-cluster-rg");
        map.put(ScaleSetSettings.SCALE_SET_NAME, "harbormaster-agents");
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return ScaleSetSettings.from(new AppSettings(map));
    }

    private static InvalidSettingException invalid(String... pairs) {
        return assertThrows(InvalidSettingException.class, () -> from(pairs));
    }

    @Test
    void readsTheThreeNames() {
        assertEquals(new ScaleSetSettings(SUBSCRIPTION, "harbormaster-cluster-rg", "harbormaster-agents",
                AzureCloud.PUBLIC), from());
        assertEquals("rg.with_(odd)-name", from(ScaleSetSettings.RESOURCE_GROUP, "rg.with_(odd)-name").resourceGroup());
        assertEquals("a", from(ScaleSetSettings.SCALE_SET_NAME, "a").scaleSetName());
    }

    @Test
    void eachMissingSettingIsNamed() {
        for (String name : new String[] {
                ScaleSetSettings.SUBSCRIPTION_ID, ScaleSetSettings.RESOURCE_GROUP, ScaleSetSettings.SCALE_SET_NAME}) {
            InvalidSettingException e = invalid(name, " ");
            assertEquals(name, e.setting());
            assertTrue(e.getMessage().contains("is missing"), e.getMessage());
        }
    }

    @Test
    void valuesThatAzureWouldRefuseOrThatWouldBendTheUrlAreNamed() {
        assertEquals(ScaleSetSettings.SUBSCRIPTION_ID, invalid(ScaleSetSettings.SUBSCRIPTION_ID, "my-subscription").setting());
        assertEquals(ScaleSetSettings.RESOURCE_GROUP, invalid(ScaleSetSettings.RESOURCE_GROUP, "rg/../other").setting());
        assertEquals(ScaleSetSettings.RESOURCE_GROUP, invalid(ScaleSetSettings.RESOURCE_GROUP, "ends-with-dot.").setting());
        assertEquals(ScaleSetSettings.SCALE_SET_NAME, invalid(ScaleSetSettings.SCALE_SET_NAME, "agents?api-version=1").setting());
        assertEquals(ScaleSetSettings.SCALE_SET_NAME, invalid(ScaleSetSettings.SCALE_SET_NAME, "-agents").setting());
        assertEquals(ScaleSetSettings.SCALE_SET_NAME, invalid(ScaleSetSettings.SCALE_SET_NAME, "a".repeat(65)).setting());
        InvalidSettingException e = invalid(ScaleSetSettings.SCALE_SET_NAME, "agents-");
        assertTrue(e.getMessage().contains("'agents-'") && e.getMessage().contains("VM scale set name"), e.getMessage());
    }
}
