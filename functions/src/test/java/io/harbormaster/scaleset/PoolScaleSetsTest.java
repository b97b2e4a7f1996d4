package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.MutableClock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoolScaleSetsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
    private final InMemoryScaleSet general = new InMemoryScaleSet("hm-general", clock);
    private final InMemoryScaleSet gpu = new InMemoryScaleSet("hm-gpu", clock);
    private final PoolScaleSets pools = new PoolScaleSets(byPool());

    private Map<String, ScaleSet> byPool() {
        Map<String, ScaleSet> byPool = new LinkedHashMap<>();
        byPool.put("general", general);
        byPool.put("gpu", gpu);
        return byPool;
    }

    @Test
    void listsEveryPoolsInstancesTheFirstPoolsIdsBare() {
        general.addInstance("general-1");
        gpu.addInstance("gpu-1");

        List<ScaleSetInstance> instances = pools.instances();

        assertEquals(List.of("0", "gpu:0"), instances.stream().map(ScaleSetInstance::instanceId).toList());
        assertEquals(List.of("general-1", "gpu-1"), instances.stream().map(ScaleSetInstance::computerName).toList());
        assertEquals(gpu.instances().get(0).vmId(), instances.get(1).vmId());
        assertEquals(general.describe(), pools.describe());
    }

    @Test
    void deletesAndProtectsInThePoolTheIdNames() {
        general.addInstance("general-1");
        gpu.addInstance("gpu-1");
        gpu.addInstance("gpu-2");

        pools.beginDeleteInstances(List.of("gpu:1", "0"));
        pools.protectFromScaleIn("gpu:0", true);

        assertEquals(List.of(new InMemoryScaleSet.Call("beginDeleteInstances", List.of(List.of("1")))),
                gpu.calls().stream().filter(call -> call.method().equals("beginDeleteInstances")).toList());
        assertEquals(1, general.count("beginDeleteInstances"));
        assertTrue(gpu.instances().stream().anyMatch(ScaleSetInstance::protectedFromScaleIn));
        ScaleSetException gone = assertThrows(ScaleSetException.class, () -> pools.deleteInstances(List.of("old:3")));
        assertTrue(gone.getMessage().contains("HARBORMASTER_POOLS no longer lists"), gone.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> pools.beginSetCapacity(3, "etag"));
    }
}
