package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * cluster.json keeps the app's rights over VMs away from the managers (issue 13): a Flexible pool's scale set and the
 * role that may write, delete, deallocate and start its VMs live in flexibleResourceGroup, a nested deployment's
 * group; the cluster's group, with the managers, grants no such action to any scope, whatever the pools.
 */
class FlexibleGroupTemplateTest {
    /** What could stop or destroy a VM, its disk or its NIC, or lift its delete lock. */
    private static final Set<String> PER_VM = Set.of(
            "microsoft.compute/virtualmachines/write",
            "microsoft.compute/virtualmachines/delete",
            "microsoft.compute/virtualmachines/deallocate/action",
            "microsoft.compute/virtualmachines/start/action",
            "microsoft.compute/virtualmachines/poweroff/action",
            "microsoft.compute/virtualmachines/restart/action",
            "microsoft.compute/disks/write",
            "microsoft.compute/disks/delete",
            "microsoft.network/networkinterfaces/write",
            "microsoft.network/networkinterfaces/delete",
            "microsoft.authorization/locks/write",
            "microsoft.authorization/locks/delete");
    private static final Pattern VARIABLE = Pattern.compile("variables\\('([A-Za-z]+)'\\)");

    private final ArmTemplate cluster = InfraFiles.cluster();

    /** The actions a role's expression names: every variables('...Actions') in it, lower-cased. */
    private Set<String> actions(String expression) {
        Set<String> actions = new TreeSet<>();
        Matcher matcher = VARIABLE.matcher(expression);
        while (matcher.find()) {
            cluster.root.path("variables").path(matcher.group(1))
                    .forEach(action -> actions.add(action.asText().toLowerCase(Locale.ROOT)));
        }
        return actions;
    }

    private JsonNode deployment(String nameExpression) {
        return cluster.resources.stream().filter(r -> r.type().equals("Microsoft.Resources/deployments")
                && r.name().equals(nameExpression)).findFirst().orElseThrow(() -> new AssertionError(nameExpression)).node();
    }

    @Test
    void noRoleInTheClustersGroupHoldsAPerVmActionAndNoneIsAssignedOnTheGroup() {
        int roles = 0;
        for (ArmTemplate.Resource resource : cluster.resources) {
            if (resource.type().equals("Microsoft.Authorization/roleDefinitions")) {
                roles++;
                String granted = resource.node().path("properties").path("permissions").get(0).path("actions").asText();
                Set<String> actions = actions(granted);
                assertFalse(actions.isEmpty(), resource.name());
                actions.retainAll(PER_VM);
                assertEquals(Set.of(), actions, resource.name() + " in the cluster's group, where the managers are");
            }
            if (resource.type().equals("Microsoft.Authorization/roleAssignments")) {
                assertTrue(resource.node().path("scope").asText().startsWith("[format('Microsoft."),
                        resource.name() + " is on named resources of the cluster's group, never on the group");
            }
        }
        assertEquals(3, roles);
        // The subscription-level deployment grants the operation status only.
        JsonNode subscription = deployment("[format('{0}-operation-status-access', parameters('clusterName'))]");
        assertEquals(Set.of("microsoft.compute/locations/operations/read"),
                actions(subscription.path("properties").path("parameters").path("actions").path("value").asText()));
        // Each deployment that assigns roles runs either at the subscription or in the Flexible group.
        for (ArmTemplate scope : cluster.allScopes().subList(1, cluster.allScopes().size())) {
            boolean assigns = scope.resources.stream().anyMatch(r -> r.type().equals("Microsoft.Authorization/roleAssignments"));
            assertTrue(!assigns || scope.label.contains("operation-status-access") || scope.label.contains("flexibleAccessDeploymentName"),
                    scope.label);
        }
    }

    @Test
    void theFlexibleGroupGetsThePerVmActionsOnItselfOnly() {
        JsonNode access = deployment("[variables('flexibleAccessDeploymentName')]");
        assertEquals("[variables('hasFlexiblePool')]", access.path("condition").asText());
        assertEquals("[variables('flexibleGroup')]", access.path("resourceGroup").asText());
        Set<String> granted = actions(access.path("properties").path("parameters").path("actions").path("value").asText());
        assertTrue(granted.containsAll(PER_VM.stream().filter(a -> !a.contains("poweroff") && !a.contains("restart")).toList()),
                granted.toString());
        assertTrue(granted.containsAll(actions("[variables('scaleSetOperatorActions')]")), "its scale sets too, on the group");
        JsonNode inner = access.path("properties").path("template");
        JsonNode role = inner.path("resources").get(0);
        assertEquals("Microsoft.Authorization/roleDefinitions", role.path("type").asText());
        assertEquals("[resourceGroup().id]", role.path("properties").path("assignableScopes").get(0).asText(),
                "assignable in the Flexible group only");
        JsonNode assignment = inner.path("resources").get(1);
        assertEquals("Microsoft.Authorization/roleAssignments", assignment.path("type").asText());
        assertTrue(assignment.path("scope").isMissingNode(), "on the deployment's group: flexibleResourceGroup");
        assertEquals(Set.of("microsoft.network/virtualnetworks/subnets/join/action",
                "microsoft.network/loadbalancers/backendaddresspools/join/action"),
                actions("[variables('flexibleNetworkJoinActions')]"), "in the cluster's group a Flexible pool only joins");
    }

    @Test
    void flexibleScaleSetsAreMadeInTheirGroupAndUniformOnesInTheClusters() {
        JsonNode uniform = cluster.resource("Microsoft.Compute/virtualMachineScaleSets").node();
        assertEquals("[not(equals(variables('pools')[copyIndex()].mode, 'Flexible'))]", uniform.path("condition").asText());
        assertEquals("Uniform", uniform.path("properties").path("orchestrationMode").asText());
        JsonNode pools = deployment("[format('{0}-pool-{1}', parameters('clusterName'), variables('pools')[copyIndex()].name)]");
        assertEquals("[equals(variables('pools')[copyIndex()].mode, 'Flexible')]", pools.path("condition").asText());
        assertEquals("[variables('flexibleGroup')]", pools.path("resourceGroup").asText());
        assertEquals("[length(variables('pools'))]", pools.path("copy").path("count").asText());
        JsonNode flexible = pools.path("properties").path("template").path("resources").get(0);
        assertEquals("Microsoft.Compute/virtualMachineScaleSets", flexible.path("type").asText());
        JsonNode properties = flexible.path("properties");
        assertEquals("Flexible", properties.path("orchestrationMode").asText());
        // Learn "Orchestration modes": a zonal or zone-spanning Flexible scale set takes 1 fault domain (max spreading).
        assertEquals(1, properties.path("platformFaultDomainCount").asInt());
        assertEquals("2020-11-01", properties.path("virtualMachineProfile").path("networkProfile").path("networkApiVersion").asText(),
                "a Flexible scale set makes its VMs' NICs through the network API");
        assertTrue(properties.path("virtualMachineProfile").path("scheduledEventsProfile").path("terminateNotificationProfile")
                .path("enable").asBoolean());
        assertEquals("[variables('poolScaleSetIds')[copyIndex()]]", cluster.resource("Microsoft.Insights/autoscalesettings")
                .node().path("properties").path("targetResourceUri").asText(), "autoscale targets each pool where it is");
    }

    @Test
    void aFlexiblePoolWithoutItsOwnGroupFailsTheDeploymentNamingTheParameter() {
        JsonNode parameter = cluster.parameters().path("flexibleResourceGroup");
        assertEquals("", parameter.path("defaultValue").asText());
        assertTrue(parameter.path("metadata").path("description").asText().contains("az group create"));
        JsonNode variables = cluster.root.path("variables");
        // Learn "Template functions - logical": if() evaluates only the branch its condition picks, so the missing
        // property of an empty object fails the deployment only then, with the problem as the property's name.
        assertEquals("[if(not(variables('hasFlexiblePool')), resourceGroup().name, if(or(empty(parameters('flexibleResourceGroup')),"
                + " equals(toLower(parameters('flexibleResourceGroup')), toLower(resourceGroup().name))),"
                + " createObject()[variables('flexibleGroupProblem')], parameters('flexibleResourceGroup')))]",
                variables.path("flexibleGroup").asText());
        String problem = variables.path("flexibleGroupProblem").asText();
        assertTrue(problem.contains("flexibleResourceGroup") && problem.contains("managers"), problem);
        assertFalse(problem.contains("'"), "a plain string inside the expression");
        assertEquals(List.of(), cluster.parseProblems);
    }
}
