package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.swarm.Resources;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CapacitySettingsTest {
    private static CapacitySettings from(String... pairs) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return CapacitySettings.from(new AppSettings(map));
    }

    private static InvalidSettingException invalid(String... pairs) {
        return assertThrows(InvalidSettingException.class, () -> from(pairs));
    }

    @Test
    void nothingSetGivesTheDocumentedDefaults() {
        CapacitySettings settings = from();
        assertEquals("*/30 * * * * *", settings.schedule());
        CapacityPolicy policy = settings.policy();
        assertEquals(CapacityPolicy.DEFAULTS, policy);
        assertEquals(1, policy.minAgents());
        assertEquals(10, policy.maxAgents());
        assertEquals(3, policy.maxScaleOutStep());
        assertEquals(1, policy.maxScaleInStep());
        assertEquals(50, policy.scaleInUtilisationPercent());
        assertEquals(Duration.ofMinutes(10), policy.unneededTime());
        assertEquals(Duration.ofMinutes(10), policy.scaleInDelayAfterScaleOut());
        assertEquals(Duration.ofMinutes(10), policy.downNodeGrace());
        assertEquals(Duration.ofMinutes(15), policy.provisioningTimeout());
        assertEquals(Duration.ofMinutes(15), policy.rejoinGrace());
        assertEquals(Duration.ofMinutes(5), policy.drainStallTimeout());
        assertEquals(new Resources(2_000_000_000L, 7L << 30), policy.fallbackAgentSize());
        assertEquals("io.harbormaster.scale-in=disabled", policy.optOutLabel().toString());
        assertEquals(false, policy.dryRun());
    }

    @Test
    void everySettingIsRead() {
        CapacitySettings settings = from(
                CapacitySettings.SCHEDULE, "0 */5 * * * *",
                CapacitySettings.MIN_AGENTS, "2",
                CapacitySettings.MAX_AGENTS, "40",
                CapacitySettings.MAX_SCALE_OUT_STEP, "5",
                CapacitySettings.MAX_SCALE_IN_STEP, "0",
                CapacitySettings.SCALE_IN_UTILISATION, "35",
                CapacitySettings.UNNEEDED_TIME, "20m",
                CapacitySettings.SCALE_IN_DELAY_AFTER_SCALE_OUT, "0s",
                CapacitySettings.DOWN_NODE_GRACE, "PT30M",
                CapacitySettings.PROVISIONING_TIMEOUT, "25m",
                CapacitySettings.REJOIN_GRACE, "6m",
                CapacitySettings.DRAIN_STALL_TIMEOUT, "2m",
                CapacitySettings.AGENT_NANO_CPUS, "4000000000",
                CapacitySettings.AGENT_MEMORY, "15.5GiB",
                CapacitySettings.DRY_RUN, "true",
                CapacitySettings.OPT_OUT_LABEL, "autoscale=off");
        assertEquals("0 */5 * * * *", settings.schedule());
        assertEquals(new CapacityPolicy(2, 40, 5, 0, 35, Duration.ofMinutes(20), Duration.ZERO, Duration.ofMinutes(30),
                Duration.ofMinutes(25), Duration.ofMinutes(6), Duration.ofMinutes(2), new Resources(4_000_000_000L, 31L << 29),
                new CapacityPolicy.NodeLabel("autoscale", "off"), true), settings.policy());
    }

    @Test
    void memoryTakesBytesAndDockersBinaryUnits() {
        assertEquals(512L << 20, from(CapacitySettings.AGENT_MEMORY, "512m").policy().fallbackAgentSize().memoryBytes());
        assertEquals(8L << 30, from(CapacitySettings.AGENT_MEMORY, "8g").policy().fallbackAgentSize().memoryBytes());
        assertEquals(8589934592L, from(CapacitySettings.AGENT_MEMORY, "8589934592").policy().fallbackAgentSize().memoryBytes());
        assertEquals(CapacitySettings.AGENT_MEMORY, invalid(CapacitySettings.AGENT_MEMORY, "8 gigs").setting());
        assertEquals(CapacitySettings.AGENT_MEMORY, invalid(CapacitySettings.AGENT_MEMORY, "1m").setting(), "too small to be an agent");
    }

    @Test
    void malformedOrOutOfRangeValuesAreNamed() {
        String[][] cases = {
                {CapacitySettings.SCHEDULE, "every 30 seconds"},
                {CapacitySettings.SCHEDULE, "*/30 * * * *"},
                {CapacitySettings.MIN_AGENTS, "-1"},
                {CapacitySettings.MAX_AGENTS, "0"},
                {CapacitySettings.MAX_AGENTS, "1001"},
                {CapacitySettings.MAX_SCALE_OUT_STEP, "0"},
                {CapacitySettings.SCALE_IN_UTILISATION, "101"},
                {CapacitySettings.SCALE_IN_UTILISATION, "50%"},
                {CapacitySettings.UNNEEDED_TIME, "ten minutes"},
                {CapacitySettings.PROVISIONING_TIMEOUT, "9s"},
                {CapacitySettings.PROVISIONING_TIMEOUT, "2d"},
                {CapacitySettings.REJOIN_GRACE, "30s"},
                {CapacitySettings.REJOIN_GRACE, "2d"},
                {CapacitySettings.AGENT_NANO_CPUS, "2"},
                {CapacitySettings.AGENT_NANO_CPUS, "2.5e9"},
                {CapacitySettings.DRY_RUN, "maybe"},
                {CapacitySettings.OPT_OUT_LABEL, "no-value"},
                {CapacitySettings.OPT_OUT_LABEL, "=disabled"},
        };
        for (String[] c : cases) {
            InvalidSettingException e = invalid(c[0], c[1]);
            assertEquals(c[0], e.setting(), c[0] + "=" + c[1]);
            assertTrue(e.getMessage().contains("'" + c[1] + "'"), e.getMessage());
        }
    }

    @Test
    void theMinimumMayNotExceedTheMaximum() {
        InvalidSettingException e = invalid(CapacitySettings.MIN_AGENTS, "5", CapacitySettings.MAX_AGENTS, "3");
        assertEquals(CapacitySettings.MIN_AGENTS, e.setting());
        assertTrue(e.getMessage().contains("at most HARBORMASTER_CAPACITY_MAX_AGENTS (3)"), e.getMessage());
        assertEquals(3, from(CapacitySettings.MIN_AGENTS, "3", CapacitySettings.MAX_AGENTS, "3").policy().minAgents());
    }

    @Test
    void theScaleInModeAndTheWarmCapAreReadAndChecked() {
        assertEquals(CapacityPolicy.ScaleInMode.DELETE, from().policy().scaleInMode());
        CapacityPolicy warm = from(CapacitySettings.SCALE_IN_MODE, "Deallocate", CapacitySettings.MAX_SCALE_OUT_STEP, "4")
                .policy();
        assertEquals(CapacityPolicy.ScaleInMode.DEALLOCATE, warm.scaleInMode());
        assertEquals(4, warm.warmMax(), "one scale-out step by default");
        assertEquals(0, from(CapacitySettings.WARM_MAX, "0").policy().warmMax());
        assertEquals(2, from(CapacitySettings.MAX_AGENTS, "2", CapacitySettings.MAX_SCALE_OUT_STEP, "3").policy().warmMax(),
                "a scale set smaller than one step keeps at most its max warm, and starts without a warm setting");
        InvalidSettingException mode = invalid(CapacitySettings.SCALE_IN_MODE, "stop");
        assertEquals(CapacitySettings.SCALE_IN_MODE, mode.setting());
        assertTrue(mode.getMessage().contains("expected delete or deallocate"), mode.getMessage());
        InvalidSettingException cap = invalid(CapacitySettings.WARM_MAX, "11");
        assertEquals(CapacitySettings.WARM_MAX, cap.setting());
        assertTrue(cap.getMessage().contains("at most HARBORMASTER_CAPACITY_MAX_AGENTS (10)"), cap.getMessage());
        assertEquals(CapacitySettings.WARM_MAX, invalid(CapacitySettings.WARM_MAX, "-1").setting());
    }
}
