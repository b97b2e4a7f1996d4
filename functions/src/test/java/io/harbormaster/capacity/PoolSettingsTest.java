package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Resources;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoolSettingsTest {
    private static final String GPU = "{\"name\":\"gpu\",\"scaleSet\":\"hm-gpu\",\"min\":0,\"max\":4,\"step\":1,"
            + "\"labels\":{\"gpu\":\"true\"},\"priority\":\"Spot\",\"order\":2,\"agentCpus\":4,\"agentMemory\":\"16g\","
            + "\"scaleIn\":\"deallocate\",\"warmMax\":2}";

    private static PoolSettings pools(Map<String, String> values) {
        return PoolSettings.from(new AppSettings(values), CapacityPolicy.DEFAULTS);
    }

    private static String refused(String json) {
        return assertThrows(InvalidSettingException.class, () -> pools(Map.of(PoolSettings.POOLS, json))).getMessage();
    }

    @Test
    void readsEveryFieldOfAPool() {
        Pool gpu = pools(Map.of(PoolSettings.POOLS, "[" + GPU + "]")).pools().get(0);
        assertEquals(new Pool("gpu", "hm-gpu", 0, 4, 1, Map.of("gpu", "true"), Pool.Priority.SPOT, 2,
                new Resources(4_000_000_000L, 16L << 30), CapacityPolicy.ScaleInMode.DEALLOCATE, 2, true), gpu);
    }

    @Test
    void fillsDefaultsAndTakesTheOrderFromThePosition() {
        List<Pool> pools = pools(Map.of(PoolSettings.POOLS, "[{\"name\":\"general\",\"scaleSet\":\"hm-agents\",\"max\":10},"
                + "{\"name\":\"big\",\"scaleSet\":\"hm-big\",\"min\":1,\"max\":3,\"agentCpus\":0.5,\"agentMemory\":\"512m\"}]"))
                .pools();
        Pool general = pools.get(0);
        assertEquals(0, general.minAgents());
        assertEquals(CapacityPolicy.DEFAULTS.maxScaleOutStep(), general.maxScaleOutStep());
        assertEquals(Pool.Priority.REGULAR, general.priority());
        assertEquals(CapacityPolicy.ScaleInMode.DELETE, general.scaleIn());
        assertEquals(0, general.order());
        assertNull(general.agentSize());
        assertEquals(1, pools.get(1).order());
        assertEquals(new Resources(500_000_000L, 512L << 20), pools.get(1).agentSize());
    }

    @Test
    void theTemplatesOwnFieldsAreAcceptedSoOneArrayServesBothAndAWarmPoolKeepsAStepByDefault() {
        Pool spot = pools(Map.of(PoolSettings.POOLS, "[{\"name\":\"spot\",\"scaleSet\":\"hm-spot\",\"max\":10,"
                + "\"step\":3,\"priority\":\"Spot\",\"scaleIn\":\"deallocate\",\"sku\":\"Standard_D4s_v5\",\"count\":2,"
                + "\"evictionPolicy\":\"Deallocate\",\"maxPrice\":-1,\"computerNamePrefix\":\"spot\"}]")).pools().get(0);
        assertEquals(3, spot.warmMax(), "one scale-out's worth, as HARBORMASTER_CAPACITY_WARM_MAX's default");
        CapacityPolicy policy = spot.policy(CapacityPolicy.DEFAULTS);
        assertEquals(CapacityPolicy.ScaleInMode.DEALLOCATE, policy.scaleInMode(), "the pool's own warm pool");
        assertEquals(3, policy.warmMax());
        assertTrue(refused("[{\"name\":\"a\",\"scaleSet\":\"s\",\"max\":2,\"scaleIn\":\"deallocate\",\"warmMax\":3}]")
                .contains("warmMax"), "never more warm than the pool's max");
    }

    @Test
    void aPoolsModeIsUniformByDefaultOrFlexibleAndNothingElse() {
        List<Pool> pools = pools(Map.of(PoolSettings.POOLS, "[{\"name\":\"a\",\"scaleSet\":\"hm-a\",\"max\":2},"
                + "{\"name\":\"b\",\"scaleSet\":\"hm-b\",\"max\":2,\"mode\":\"Flexible\",\"resourceGroup\":\"hm-flex-rg\"},"
                + "{\"name\":\"c\",\"scaleSet\":\"hm-c\",\"max\":2,\"mode\":\"uniform\"}]")).pools();
        assertEquals(List.of(ScaleSetModel.OrchestrationMode.UNIFORM, ScaleSetModel.OrchestrationMode.FLEXIBLE,
                ScaleSetModel.OrchestrationMode.UNIFORM), pools.stream().map(Pool::mode).toList());
        String message = refused("[{\"name\":\"a\",\"scaleSet\":\"hm-a\",\"max\":2,\"mode\":\"Mixed\"}]");
        assertTrue(message.contains("HARBORMASTER_POOLS") && message.contains("pool 'a' field mode")
                && message.contains("Uniform, Flexible"), message);
        assertEquals(ScaleSetModel.OrchestrationMode.UNIFORM,
                pools(Map.of("HARBORMASTER_SCALE_SET_NAME", "harbormaster-agents")).pools().get(0).mode());
    }

    @Test
    void aPoolsResourceGroupIsItsOwnOrElseTheClusters() {
        List<Pool> pools = pools(Map.of(PoolSettings.POOLS, "[{\"name\":\"a\",\"scaleSet\":\"hm-a\",\"max\":2},"
                + "{\"name\":\"b\",\"scaleSet\":\"hm-b\",\"max\":2,\"mode\":\"Flexible\",\"resourceGroup\":\"hm-flex-rg\"}]",
                "HARBORMASTER_RESOURCE_GROUP", "hm-cluster")).pools();
        assertNull(pools.get(0).resourceGroup());
        assertEquals("hm-cluster", pools.get(0).resourceGroupOr("hm-cluster"), "a Uniform pool stays in the cluster's group");
        assertEquals("hm-flex-rg", pools.get(1).resourceGroupOr("hm-cluster"));
        String message = refused("[{\"name\":\"a\",\"scaleSet\":\"hm-a\",\"max\":2,\"resourceGroup\":\"bad.\"}]");
        assertTrue(message.contains("HARBORMASTER_POOLS") && message.contains("pool 'a' field resourceGroup"), message);
    }

    @Test
    void aFlexiblePoolWithoutAGroupOfItsOwnOrInTheManagersGroupIsRefusedNamingThePoolAndWhy() {
        String without = assertThrows(InvalidSettingException.class, () -> pools(Map.of(PoolSettings.POOLS,
                "[{\"name\":\"flex\",\"scaleSet\":\"hm-flex\",\"max\":2,\"mode\":\"Flexible\"}]",
                "HARBORMASTER_RESOURCE_GROUP", "hm-cluster"))).getMessage();
        assertTrue(without.contains("HARBORMASTER_POOLS") && without.contains("pool 'flex' is Flexible and has no resourceGroup")
                && without.contains("managers") && without.contains("'hm-cluster'"), without);
        String same = assertThrows(InvalidSettingException.class, () -> pools(Map.of(PoolSettings.POOLS,
                "[{\"name\":\"flex\",\"scaleSet\":\"hm-flex\",\"max\":2,\"mode\":\"Flexible\",\"resourceGroup\":\"HM-Cluster\"}]",
                "HARBORMASTER_RESOURCE_GROUP", "hm-cluster"))).getMessage();
        assertTrue(same.contains("pool 'flex' is Flexible and its resourceGroup is the cluster's")
                && same.contains("delete or deallocate any VM"), same);
        assertEquals("hm-cluster", pools(Map.of(PoolSettings.POOLS,
                "[{\"name\":\"u\",\"scaleSet\":\"hm-u\",\"max\":2,\"resourceGroup\":\"hm-cluster\"}]",
                "HARBORMASTER_RESOURCE_GROUP", "hm-cluster")).pools().get(0).resourceGroup(),
                "a Uniform pool's rights are on its scale set only, so it may share the managers' group");
    }

    @Test
    void theSingleScaleSetSettingsMakeOneDefaultPool() {
        List<Pool> pools = pools(Map.of("HARBORMASTER_SCALE_SET_NAME", "harbormaster-agents")).pools();
        assertEquals(List.of(Pool.single("harbormaster-agents", CapacityPolicy.DEFAULTS)), pools);
        assertEquals(Pool.DEFAULT_NAME, pools.get(0).name());
        assertEquals(CapacityPolicy.DEFAULTS, pools.get(0).policy(CapacityPolicy.DEFAULTS));
        assertEquals(List.of(), pools(Map.of()).pools());
    }

    @Test
    void refusesThePoolsWithTheSingleScaleSetSettings() {
        String message = assertThrows(InvalidSettingException.class, () -> pools(Map.of(PoolSettings.POOLS, "[" + GPU + "]",
                "HARBORMASTER_CAPACITY_MAX_AGENTS", "4"))).getMessage();
        assertTrue(message.contains("HARBORMASTER_POOLS") && message.contains("HARBORMASTER_CAPACITY_MAX_AGENTS"), message);
    }

    @Test
    void refusesBadJsonUnknownFieldsAndDuplicatesNamingThePoolAndField() {
        assertTrue(refused("[{").contains("HARBORMASTER_POOLS is not valid JSON"));
        assertTrue(refused("{}").contains("must be a JSON array"));
        assertTrue(refused("[]").contains("must be a JSON array"));
        String unknown = refused("[{\"name\":\"gpu\",\"scaleSet\":\"s\",\"max\":1,\"zones\":[1]}]");
        assertTrue(unknown.contains("pool 'gpu' has unknown field 'zones'"), unknown);
        String twice = refused("[{\"name\":\"a\",\"scaleSet\":\"s1\",\"max\":1},{\"name\":\"a\",\"scaleSet\":\"s2\",\"max\":1}]");
        assertTrue(twice.contains("names pool 'a' twice"), twice);
        String shared = refused("[{\"name\":\"a\",\"scaleSet\":\"s1\",\"max\":1},{\"name\":\"b\",\"scaleSet\":\"S1\",\"max\":1}]");
        assertTrue(shared.contains("scale set 'S1' to two pools"), shared);
    }

    @Test
    void refusesBadFieldValues() {
        assertTrue(refused("[{\"name\":\"GPU\",\"scaleSet\":\"s\",\"max\":1}]").contains("pool #1 field name"));
        assertTrue(refused("[{\"name\":\"gpu\",\"max\":1}]").contains("pool 'gpu' has no field 'scaleSet'"));
        assertTrue(refused("[{\"name\":\"gpu\",\"scaleSet\":\"s\"}]").contains("has no field 'max'"));
        assertTrue(refused("[{\"name\":\"gpu\",\"scaleSet\":\"s\",\"max\":2,\"min\":3}]").contains("field min is 3"));
        assertTrue(refused("[{\"name\":\"gpu\",\"scaleSet\":\"s\",\"max\":\"2\"}]").contains("field max is \"2\""));
        assertTrue(refused("[{\"name\":\"gpu\",\"scaleSet\":\"s\",\"max\":1,\"priority\":\"Low\"}]")
                .contains("field priority is \"Low\": expected one of Regular, Spot"));
        assertTrue(refused("[{\"name\":\"gpu\",\"scaleSet\":\"s\",\"max\":1,\"labels\":{\"a b\":\"x\"}}]")
                .contains("labels has key 'a b'"));
        assertTrue(refused("[{\"name\":\"gpu\",\"scaleSet\":\"s\",\"max\":1,\"labels\":{\"io.harbormaster.pool\":\"x\"}}]")
                .contains("not under io.harbormaster."));
        assertTrue(refused("[{\"name\":\"gpu\",\"scaleSet\":\"s\",\"max\":1,\"labels\":{\"gpu\":true}}]")
                .contains("labels has gpu=true"));
        assertTrue(refused("[{\"name\":\"gpu\",\"scaleSet\":\"s\",\"max\":1,\"agentCpus\":4}]")
                .contains("agentCpus without agentMemory"));
        assertTrue(refused("[{\"name\":\"gpu\",\"scaleSet\":\"s\",\"max\":1,\"agentCpus\":4,\"agentMemory\":\"1k\"}]")
                .contains("field agentMemory is \"1k\""));
        assertTrue(refused("[{\"name\":\"gpu\",\"scaleSet\":\"s\",\"max\":1,\"warmMax\":1}]")
                .contains("warm instances need"));
    }

    @Test
    void aPoolNodeCarriesItsLabelsAndTheControlPlanes() {
        Pool gpu = pools(Map.of(PoolSettings.POOLS, "[" + GPU + "]")).pools().get(0);
        assertEquals(Map.of("gpu", "true", Pool.POOL_LABEL, "gpu", Pool.SKU_LABEL, "Standard_NC4as_T4_v3",
                Pool.ZONE_LABEL, "none", Pool.PRIORITY_LABEL, "spot"), gpu.nodeLabels("Standard_NC4as_T4_v3", null));
        assertEquals("2", gpu.nodeLabels("x", "2").get(Pool.ZONE_LABEL));
        CapacityPolicy policy = gpu.policy(CapacityPolicy.DEFAULTS);
        assertEquals(0, policy.minAgents());
        assertEquals(4, policy.maxAgents());
        assertEquals(1, policy.maxScaleOutStep());
        assertEquals(new Resources(4_000_000_000L, 16L << 30), policy.fallbackAgentSize());
    }
}
