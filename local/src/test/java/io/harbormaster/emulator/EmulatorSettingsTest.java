package io.harbormaster.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmulatorSettingsTest {
    @TempDir
    Path directory;

    private Map<String, String> settings() throws Exception {
        Path cloudConfig = Files.writeString(directory.resolve("agent.yml"), "#cloud-config\n");
        Map<String, String> values = new HashMap<>();
        values.put("HARBORMASTER_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000000");
        values.put("HARBORMASTER_RESOURCE_GROUP", "rg");
        values.put(EmulatorSettings.FUNCTION_URL, "http://10.213.77.1:7071");
        values.put(EmulatorSettings.CLOUD_CONFIG, cloudConfig.toString());
        values.put(EmulatorSettings.COMPUTER_NAME_PREFIX, "itabcde");
        values.put(EmulatorSettings.CAPACITY, "3");
        return values;
    }

    @Test
    void theSingleScaleSetIsTheOnlyOne() throws Exception {
        Map<String, String> values = settings();
        values.put("HARBORMASTER_SCALE_SET_NAME", "agents");

        EmulatorSettings emulator = EmulatorSettings.from(new AppSettings(values));

        assertEquals(List.of(new EmulatorSettings.ScaleSetPlan("agents", "itabcde", 3, "Regular")), emulator.pools());
    }

    @Test
    void eachPoolGetsAScaleSetAtItsMinimumWithAPrefixOfItsOwn() throws Exception {
        Map<String, String> values = settings();
        values.put("HARBORMASTER_POOLS", "[{\"name\":\"general\",\"scaleSet\":\"hm-general\",\"min\":1,\"max\":2},"
                + "{\"name\":\"gpu\",\"scaleSet\":\"hm-gpu\",\"max\":2,\"priority\":\"Spot\",\"genericResources\":{\"gpu\":2}},"
                + "{\"name\":\"flex\",\"scaleSet\":\"hm-flex\",\"max\":2,\"mode\":\"Flexible\",\"resourceGroup\":\"rg-flex\"}]");

        EmulatorSettings emulator = EmulatorSettings.from(new AppSettings(values));

        assertEquals(List.of(new EmulatorSettings.ScaleSetPlan("hm-general", "itabcde", 1, "Regular"),
                new EmulatorSettings.ScaleSetPlan("hm-gpu", "itabcde1", 0, "Spot", "Uniform", null, Map.of("gpu", 2L)),
                new EmulatorSettings.ScaleSetPlan("hm-flex", "itabcde2", 0, "Regular", "Flexible", "rg-flex")), emulator.pools());
        assertEquals("hm-general", emulator.scaleSetName());
        assertTrue(emulator.scaleSetId("hm-gpu").endsWith("/resourceGroups/rg/providers/Microsoft.Compute/"
                + "virtualMachineScaleSets/hm-gpu"));
        assertTrue(emulator.scaleSetId("hm-flex").endsWith("/resourceGroups/rg-flex/providers/Microsoft.Compute/"
                + "virtualMachineScaleSets/hm-flex"), "a Flexible pool's scale set is in its own group");
    }

    @Test
    void thePoolsWithTheSingleScaleSetAreRefusedAsByTheApp() throws Exception {
        Map<String, String> values = settings();
        values.put("HARBORMASTER_SCALE_SET_NAME", "agents");
        values.put("HARBORMASTER_POOLS", "[{\"name\":\"gpu\",\"scaleSet\":\"hm-gpu\",\"max\":2}]");

        InvalidSettingException refused = assertThrows(InvalidSettingException.class,
                () -> EmulatorSettings.from(new AppSettings(values)));
        assertTrue(refused.getMessage().contains("HARBORMASTER_SCALE_SET_NAME"), refused.getMessage());
    }
}
