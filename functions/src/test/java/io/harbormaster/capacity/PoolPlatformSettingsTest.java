package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.swarm.NodePlatform;
import io.harbormaster.swarm.Resources;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A pool's {@code arch} and {@code genericResources} in {@code HARBORMASTER_POOLS}. */
class PoolPlatformSettingsTest {
    private static Pool pool(String fields) {
        return PoolSettings.parse("[{\"name\":\"gpu\",\"scaleSet\":\"hm-gpu\",\"max\":4" + fields + "}]").pools().get(0);
    }

    private static String refused(String fields) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> pool(fields));
        assertTrue(e.getMessage().contains(PoolSettings.POOLS), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aPoolIsLinuxX86WithNoGenericResourcesUnlessItSaysOtherwise() {
        Pool plain = pool("");
        assertEquals(NodePlatform.LINUX_X86_64, plain.platform());
        assertEquals(Map.of(), plain.genericResources());
        assertEquals(CapacityPolicy.DEFAULTS.fallbackAgentSize(), plain.policy(CapacityPolicy.DEFAULTS).fallbackAgentSize());
    }

    @Test
    void readsTheArchitectureAndWhatEachNewAgentAdvertises() {
        Pool gpu = pool(",\"arch\":\"aarch64\",\"genericResources\":{\"gpu\":2,\"NVIDIA-GPU\":1},\"agentCpus\":4,"
                + "\"agentMemory\":\"16g\"");
        assertEquals(new NodePlatform("linux", "aarch64"), gpu.platform());
        assertEquals(Map.of("gpu", 2L, "NVIDIA-GPU", 1L), gpu.genericResources());
        assertEquals(new Resources(4_000_000_000L, 16L << 30, Map.of("gpu", 2L, "NVIDIA-GPU", 1L)),
                gpu.policy(CapacityPolicy.DEFAULTS).fallbackAgentSize(), "what a new agent of the pool offers");
        assertEquals(Map.of("gpu", 1L), pool(",\"genericResources\":{\"gpu\":1}").policy(CapacityPolicy.DEFAULTS)
                .fallbackAgentSize().generic(), "without agentCpus, on the policy's size");
    }

    @Test
    void refusesAnUnknownArchitectureAndBadGenericResourcesNamingTheField() {
        assertTrue(refused(",\"arch\":\"arm64\"").contains("field arch is \"arm64\": expected one of x86_64, aarch64"));
        assertTrue(refused(",\"arch\":\"X86_64\"").contains("field arch"), "as the engine reports it: lower case");
        assertTrue(refused(",\"genericResources\":[\"gpu\"]").contains("field genericResources"));
        assertTrue(refused(",\"genericResources\":{\"gpu\":0}").contains("gpu=0: expected a whole number from 1"));
        assertTrue(refused(",\"genericResources\":{\"gpu\":1.5}").contains("gpu=1.5"));
        assertTrue(refused(",\"genericResources\":{\"g p u\":1}").contains("kind 'g p u'"));
    }
}
