package io.harbormaster.infra;

import static io.harbormaster.infra.TemplateChecksTest.broken;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The trust checks catch what they are for: each is run on infra/cluster.json with one key or identity put back. */
class TrustChecksTest {
    private static final String CLUSTER = "infra/cluster.json";
    private static final String HOST_KEY =
            "listKeys(resourceId(parameters('functionsResourceGroup'), 'Microsoft.Web/sites/host', parameters('functionAppName'), 'default'), '2023-12-01')";
    private static final String AUTOSCALE_KEY = "listKeys(variables('autoscaleFunctionId'), '2023-12-01').default";
    /** The first resource of the nested control-plane deployment, as infra/cluster.json indents it. */
    private static final String NESTED_FIRST_RESOURCE = "          \"resources\": [\n            {\n              \"type\": \"Microsoft.Web/sites/networkConfig\"";
    /** The node-readable secret infra/cluster.json held before issue 11, put back into that deployment. */
    private static final String NODE_KEY_SECRET = "          \"resources\": [\n            { \"type\": \"Microsoft.KeyVault/vaults/secrets\", \"apiVersion\": \"2023-07-01\","
            + " \"name\": \"kv/harbormaster-node-function-key\", \"properties\": { \"value\": \"[listKeys(resourceId('Microsoft.Web/sites/host',"
            + " parameters('functionAppName'), 'default'), '2023-12-01').functionKeys.default]\" } },\n            {\n              \"type\": \"Microsoft.Web/sites/networkConfig\"";

    @Test
    void aKeyVaultSecretInTheClusterIsReported() {
        ArmTemplate withSecret = broken(CLUSTER, NESTED_FIRST_RESOURCE, NODE_KEY_SECRET);
        List<String> problems = TrustChecks.secretResources(withSecret);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("Microsoft.KeyVault/vaults/secrets"), problems.get(0));
        assertFalse(TrustChecks.appKeyReads(withSecret).isEmpty(), "the host key it is copied from");
    }

    @Test
    void aHostKeyAnywhereIsReported() {
        assertFalse(TrustChecks.appKeyReads(broken(CLUSTER, AUTOSCALE_KEY, HOST_KEY + ".functionKeys.default")).isEmpty(),
                "the host's default function key in the webhook");
        assertFalse(TrustChecks.appKeyReads(broken(CLUSTER, AUTOSCALE_KEY, HOST_KEY + ".masterKey")).isEmpty(), "the master key");
        assertFalse(TrustChecks.appKeyReads(broken(CLUSTER, "'Microsoft.Web/sites/functions', parameters('functionAppName'), 'autoscale')",
                "'Microsoft.Web/sites/functions', parameters('functionAppName'), 'drain')")).isEmpty(), "another function's key");
        assertFalse(TrustChecks.appKeyReads(broken(CLUSTER, AUTOSCALE_KEY, "listKeys(variables('autoscaleFunctionId'), '2023-12-01')")).isEmpty(),
                "every key of the function at once");
        assertFalse(TrustChecks.appKeyReads(broken(CLUSTER, AUTOSCALE_KEY,
                "listKeys(resourceId('Microsoft.Web/sites/config', parameters('functionAppName'), 'publishingcredentials'), '2023-12-01').properties.publishingPassword")).isEmpty(),
                "the publishing password");
        assertFalse(TrustChecks.appKeyReads(broken(CLUSTER, AUTOSCALE_KEY, "listKeys(parameters('functionAppName'), '2023-12-01').default")).isEmpty(),
                "a resource whose type is not spelled out");
    }

    @Test
    void theAutoscaleKeyOutsideTheWebhookIsReported() {
        ArmTemplate inOutput = broken(CLUSTER, "\"outputs\": {\n    \"managerFqdn\"",
                "\"outputs\": {\n    \"leak\": { \"type\": \"string\", \"value\": \"[" + AUTOSCALE_KEY + "]\" },\n    \"managerFqdn\"");
        assertFalse(TrustChecks.appKeyReads(inOutput).isEmpty());
        assertFalse(TrustChecks.outputsCarryingKeys(inOutput).isEmpty());
    }

    @Test
    void aKeyInAnOutputIsReportedInEveryScopeAndThroughVariables() {
        ArmTemplate nested = broken(CLUSTER, "\"outputs\": {\n            \"functionAppUrl\"",
                "\"outputs\": {\n            \"key\": { \"type\": \"string\", \"value\": \"[listKeys(resourceId('Microsoft.Web/sites/host', "
                        + "parameters('functionAppName'), 'default'), '2023-12-01').functionKeys.default]\" },\n            \"functionAppUrl\"");
        assertFalse(TrustChecks.outputsCarryingKeys(nested).isEmpty(), "in the nested deployment's outputs");
        ArmTemplate hidden = broken(CLUSTER, "\"variables\": {\n    \"vnetName\"", "\"variables\": {\n    \"hidden\": \"[" + HOST_KEY + "]\",\n    \"vnetName\"");
        ArmTemplate throughVariable = ArmTemplate.parse("cluster.json (broken)", hidden.root.toString().replace("\"managerFqdn\":{",
                "\"leak\":{\"type\":\"object\",\"value\":\"[variables('hidden')]\"},\"managerFqdn\":{"));
        assertFalse(TrustChecks.outputsCarryingKeys(throughVariable).isEmpty(), "through a variable");
        assertFalse(TrustChecks.outputsCarryingKeys(broken(CLUSTER, "\"value\": \"[variables('poolScaleSetIds')[0]]\"",
                "\"value\": \"[base64(parameters('dockerTlsServerKeyPem'))]\"")).isEmpty(), "a secure parameter");
    }

    @Test
    void anIdentityOnTheNodesIsReported() {
        String scaleSet = "\"capacity\": \"[variables('pools')[copyIndex()].count]\"\n      },";
        assertFalse(TrustChecks.nodeIdentities(broken(CLUSTER, scaleSet, scaleSet + "\n      \"identity\": { \"type\": \"SystemAssigned\" },")).isEmpty(),
                "the agents' scale set");
        String managers = "\"name\": \"[format('master{0}', copyIndex())]\",";
        assertFalse(TrustChecks.nodeIdentities(broken(CLUSTER, managers,
                managers + "\n      \"identity\": { \"type\": \"UserAssigned\", \"userAssignedIdentities\": {} },")).isEmpty(),
                "the managers");
        assertEquals(List.of(), TrustChecks.nodeIdentities(broken(CLUSTER, scaleSet, scaleSet + "\n      \"identity\": { \"type\": \"None\" },")),
                "type None is no identity");
        assertFalse(TrustChecks.nodeIdentities(broken(CLUSTER, "\"resources\": [\n    {",
                "\"resources\": [\n    { \"type\": \"Microsoft.ManagedIdentity/userAssignedIdentities\", \"apiVersion\": \"2023-01-31\", \"name\": \"nodes\" },\n    {"))
                .isEmpty(), "a user-assigned identity");
    }

    @Test
    void aRoleForAnyoneButTheAppIsReported() {
        String principal = "\"principalId\": \"" + NodesHoldNoSecretTest.APP_PRINCIPAL + "\"";
        assertFalse(TrustChecks.roleAssignmentsToOthers(broken(CLUSTER, principal, "\"principalId\": \"[parameters('adminUsername')]\""),
                NodesHoldNoSecretTest.APP_PRINCIPAL).isEmpty(), "the scale set role");
        String passed = "\"principalId\": { \"value\": \"" + NodesHoldNoSecretTest.APP_PRINCIPAL + "\" }";
        assertFalse(TrustChecks.roleAssignmentsToOthers(broken(CLUSTER, passed, "\"principalId\": { \"value\": \"[parameters('adminUsername')]\" }"),
                NodesHoldNoSecretTest.APP_PRINCIPAL).isEmpty(), "the role at the subscription, whose principal the nested deployment is given");
        assertFalse(TrustChecks.roleAssignmentsToOthers(broken(CLUSTER, "\"scope\": \"[format('Microsoft.Compute/virtualMachineScaleSets/{0}', variables('pools')[copyIndex()].scaleSet)]\"",
                "\"scope\": \"[format('Microsoft.KeyVault/vaults/{0}', variables('pools')[copyIndex()].scaleSet)]\""), NodesHoldNoSecretTest.APP_PRINCIPAL).isEmpty(),
                "a role on a Key Vault, even for the app");
    }
}
