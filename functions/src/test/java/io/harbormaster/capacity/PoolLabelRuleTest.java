package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.SwarmRole;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoolLabelRuleTest {
    @Test
    void labelsAPoolNodeOnceKeepingItsOtherLabels() {
        FleetFixture fleet = new FleetFixture();
        Pool gpu = fleet.pool("gpu", 0, 4, Map.of("gpu", "true"), 0, null);
        Node fresh = fleet.agent("gpu", "gpu-1", PlanningFixture.AGENT, Map.of("io.harbormaster.drain-request", "r1"));
        Map<String, String> complete = gpu.nodeLabels("Standard_NC4", null);
        fleet.agent("gpu", "gpu-2", PlanningFixture.AGENT, complete);
        fleet.node("manager0", SwarmRole.MANAGER, Map.of());
        fleet.node("stranger", SwarmRole.WORKER, Map.of());

        List<CapacityAction.LabelNode> actions = PoolLabelRule.decide(gpu, "Standard_NC4", fleet.nodes,
                fleet.instances.get("gpu"));

        assertEquals(1, actions.size());
        CapacityAction.LabelNode label = actions.get(0);
        assertEquals(fresh, label.node());
        assertEquals(Map.of("io.harbormaster.drain-request", "r1", "gpu", "true", Pool.POOL_LABEL, "gpu",
                Pool.SKU_LABEL, "Standard_NC4", Pool.ZONE_LABEL, "none", Pool.PRIORITY_LABEL, "regular"), label.labels());
        assertEquals(false, label.destructive());
    }

    @Test
    void aWrongPoolLabelIsCorrected() {
        FleetFixture fleet = new FleetFixture();
        Pool gpu = fleet.pool("gpu", 0, 4, Map.of(), 0, null);
        Map<String, String> claimed = new java.util.HashMap<>(gpu.nodeLabels("sku", null));
        claimed.put(Pool.POOL_LABEL, "general");
        fleet.agent("gpu", "gpu-1", PlanningFixture.AGENT, claimed);

        List<CapacityAction.LabelNode> actions = PoolLabelRule.decide(gpu, "sku", fleet.nodes, fleet.instances.get("gpu"));

        assertEquals("gpu", actions.get(0).labels().get(Pool.POOL_LABEL));
    }

    @Test
    void theZoneLabelIsTheZoneArmPlacedTheInstanceIn() {
        FleetFixture fleet = new FleetFixture();
        Pool general = fleet.pool("general", 0, 4, Map.of(), 0, null);
        Node node = new Node("id-zonal", 1, "zonal", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY, Map.of(),
                PlanningFixture.AGENT, PlanningFixture.minutesAgo(60));
        fleet.nodes.add(node);
        fleet.instances.get("general").add(new io.harbormaster.scaleset.ScaleSetInstance("0", "zonal",
                io.harbormaster.scaleset.ScaleSetInstance.PowerState.RUNNING, "Succeeded", PlanningFixture.minutesAgo(120),
                false, null, "2"));

        List<CapacityAction.LabelNode> actions = PoolLabelRule.decide(general, "sku", fleet.nodes,
                fleet.instances.get("general"));

        assertEquals("2", actions.get(0).labels().get(Pool.ZONE_LABEL));
    }
}
