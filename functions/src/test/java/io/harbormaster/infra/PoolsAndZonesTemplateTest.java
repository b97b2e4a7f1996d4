package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** cluster.json deploys one scale set per pool, spreads the cluster over the region's zones, and has a fallback for regions without them. */
class PoolsAndZonesTemplateTest {
    private static final String POOL = "variables('pools')[copyIndex()]";
    private final ArmTemplate cluster = InfraFiles.cluster();

    @Test
    void poolsAndZonesAreArrayParametersEmptyByDefault() {
        for (String name : new String[] {"pools", "zones"}) {
            JsonNode parameter = cluster.parameters().path(name);
            assertEquals("array", parameter.path("type").asText(), name);
            assertTrue(parameter.path("defaultValue").isArray() && parameter.path("defaultValue").isEmpty(), name);
        }
        assertTrue(cluster.parameters().path("pools").path("metadata").path("description").asText().contains("HARBORMASTER_POOLS"),
                "the same array as the app's setting");
    }

    @Test
    void withoutPoolsTheOldSingleScaleSetParametersMakeTheOnePool() {
        JsonNode variables = cluster.root.path("variables");
        assertEquals("[if(empty(parameters('pools')), createArray(union(variables('poolDefaults'), variables('defaultPool'))), variables('poolSpecs'))]",
                variables.path("pools").asText());
        JsonNode single = variables.path("defaultPool");
        assertEquals("[parameters('scaleSetName')]", single.path("scaleSet").asText());
        assertEquals("[parameters('agentVmSize')]", single.path("sku").asText());
        assertEquals("[parameters('agentCount')]", single.path("count").asText());
        assertEquals("agent", single.path("computerNamePrefix").asText(), "an existing cluster's agents keep their names");
        assertEquals("Deallocate", variables.path("poolDefaults").path("evictionPolicy").asText(),
                "Learn (use-spot.md): Deallocate is a Spot scale set's default eviction policy");
    }

    @Test
    void everyPoolIsAScaleSetWithItsOwnSkuPriorityNamesAndTerminateNotification() {
        JsonNode scaleSet = cluster.resource("Microsoft.Compute/virtualMachineScaleSets").node();
        assertEquals("[length(variables('pools'))]", scaleSet.path("copy").path("count").asText());
        assertEquals("[" + POOL + ".sku]", scaleSet.path("sku").path("name").asText());
        assertEquals("[" + POOL + ".count]", scaleSet.path("sku").path("capacity").asText());
        JsonNode profile = scaleSet.path("properties").path("virtualMachineProfile");
        assertEquals("[" + POOL + ".priority]", profile.path("priority").asText());
        assertEquals("[if(equals(" + POOL + ".priority, 'Spot'), " + POOL + ".evictionPolicy, null())]",
                profile.path("evictionPolicy").asText(), "a Regular scale set takes no eviction policy");
        assertEquals("[if(equals(" + POOL + ".priority, 'Spot'), createObject('maxPrice', " + POOL + ".maxPrice), null())]",
                profile.path("billingProfile").asText());
        assertEquals("[" + POOL + ".computerNamePrefix]", profile.path("osProfile").path("computerNamePrefix").asText(),
                "each pool names its agents apart, so a hostname names one pool's instance");
        assertTrue(profile.path("scheduledEventsProfile").path("terminateNotificationProfile").path("enable").asBoolean());
        JsonNode autoscale = cluster.resource("Microsoft.Insights/autoscalesettings").node();
        assertEquals("[length(variables('pools'))]", autoscale.path("copy").path("count").asText(), "one autoscale setting per pool");
        assertEquals("[string(" + POOL + ".max)]",
                autoscale.path("properties").path("profiles").get(0).path("capacity").path("maximum").asText());
    }

    @Test
    void aPoolsModeMakesItsScaleSetUniformHereOrFlexibleInItsOwnGroup() {
        JsonNode variables = cluster.root.path("variables");
        assertEquals("Uniform", variables.path("poolDefaults").path("mode").asText(), "Uniform unless a pool says otherwise");
        JsonNode scaleSet = cluster.resource("Microsoft.Compute/virtualMachineScaleSets").node();
        assertEquals("[not(equals(" + POOL + ".mode, 'Flexible'))]", scaleSet.path("condition").asText(),
                "a Flexible pool's scale set is made by the nested deployment in flexibleResourceGroup (FlexibleGroupTemplateTest)");
        assertTrue(cluster.parameters().path("pools").path("metadata").path("description").asText().contains("mode"));
    }

    @Test
    void eachPoolsAgentsAdvertiseItsGenericResourcesThroughTheirCustomData() {
        String fill = "'__HARBORMASTER_GENERIC_RESOURCES_B64__', base64(string(" + POOL + ".genericResources)))";
        JsonNode scaleSet = cluster.resource("Microsoft.Compute/virtualMachineScaleSets").node();
        String uniform = scaleSet.path("properties").path("virtualMachineProfile").path("osProfile").path("customData").asText();
        assertTrue(uniform.contains(fill), "base64 of the pool's JSON object: no value can break out of the cloud-config: " + uniform);
        JsonNode flexible = cluster.resources.stream().filter(r -> "flexiblePools".equals(r.copyName())).findFirst()
                .orElseThrow(() -> new AssertionError("no flexiblePools deployment")).node();
        assertEquals(uniform, flexible.path("properties").path("parameters").path("customData").path("value").asText(),
                "a Flexible pool's agents boot from the same custom data");
        assertEquals(0, cluster.root.path("variables").path("poolDefaults").path("genericResources").size(),
                "none unless the pool declares them");
        assertTrue(cluster.root.path("variables").path("poolDefaults").path("genericResources").isObject());
    }

    @Test
    void agentsSpanTheZonesBalancedAndManagersTakeOneZoneEachOrShareAnAvailabilitySet() {
        JsonNode scaleSet = cluster.resource("Microsoft.Compute/virtualMachineScaleSets").node();
        assertEquals("[if(empty(parameters('zones')), null(), parameters('zones'))]", scaleSet.path("zones").asText());
        // Learn (VirtualMachineScaleSetProperties.zoneBalance): settable only when the scale set has more than one zone.
        assertEquals("[if(greater(length(parameters('zones')), 1), true(), null())]",
                scaleSet.path("properties").path("zoneBalance").asText());

        JsonNode manager = cluster.resource("Microsoft.Compute/virtualMachines").node();
        assertEquals("[if(empty(parameters('zones')), null(), createArray(parameters('zones')[mod(copyIndex(), max(1, length(parameters('zones'))))]))]",
                manager.path("zones").asText(), "manager i in zone i mod the zones");
        assertEquals("[if(empty(parameters('zones')), createObject('id', resourceId('Microsoft.Compute/availabilitySets', variables('availabilitySetName'))), null())]",
                manager.path("properties").path("availabilitySet").asText());
        JsonNode availabilitySet = cluster.resource("Microsoft.Compute/availabilitySets").node();
        assertEquals("[empty(parameters('zones'))]", availabilitySet.path("condition").asText(), "only where there are no zones");
        assertEquals("Aligned", availabilitySet.path("sku").path("name").asText(), "managed disks need an Aligned set");
        assertEquals(2, availabilitySet.path("properties").path("platformFaultDomainCount").asInt());
    }
}
