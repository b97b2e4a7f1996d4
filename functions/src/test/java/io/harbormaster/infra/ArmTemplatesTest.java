package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** infra/cluster.json and infra/functions.json, with their example parameter files. */
class ArmTemplatesTest {
    private static final String TEMPLATE_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
    private static final String PARAMETERS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

    /** The settings the app validates today (issue 5); the source scan below catches the ones added later. */
    private static final List<String> REQUIRED_APP_SETTINGS = List.of(
            "AzureWebJobsStorage__blobServiceUri", "AzureWebJobsStorage__queueServiceUri", "FUNCTIONS_EXTENSION_VERSION", "FUNCTIONS_WORKER_RUNTIME", "APPLICATIONINSIGHTS_CONNECTION_STRING",
            "HARBORMASTER_DOCKER_HOSTS", "HARBORMASTER_DOCKER_TLS_CA_PEM", "HARBORMASTER_DOCKER_TLS_CERT_PEM",
            "HARBORMASTER_DOCKER_TLS_KEY_PEM", "HARBORMASTER_DOCKER_CONNECT_TIMEOUT", "HARBORMASTER_DOCKER_RESPONSE_TIMEOUT",
            "HARBORMASTER_SUBSCRIPTION_ID", "HARBORMASTER_RESOURCE_GROUP", "HARBORMASTER_SCALE_SET_NAME");
    private static final List<String> DOCKER_TLS_SETTINGS =
            List.of("HARBORMASTER_DOCKER_TLS_CA_PEM", "HARBORMASTER_DOCKER_TLS_CERT_PEM", "HARBORMASTER_DOCKER_TLS_KEY_PEM");

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @ParameterizedTest
    @ValueSource(strings = {"infra/cluster.json", "infra/functions.json"})
    void templatesAreValidJsonWithTheDeploymentTemplateSchema(String file) throws IOException {
        JsonNode template = STRICT.readTree(Files.readString(InfraFiles.path(file)));
        assertEquals(TEMPLATE_SCHEMA, template.path("$schema").asText(), file);
        assertEquals("1.0.0.0", template.path("contentVersion").asText(), file);
        assertTrue(template.path("resources").isArray() && !template.path("resources").isEmpty(), file + " declares resources");
    }

    @ParameterizedTest
    @ValueSource(strings = {"infra/cluster.parameters.example.json", "infra/functions.parameters.example.json"})
    void exampleParameterFilesAreValidJson(String file) throws IOException {
        JsonNode parameters = STRICT.readTree(Files.readString(InfraFiles.path(file)));
        assertEquals(PARAMETERS_SCHEMA, parameters.path("$schema").asText(), file);
        assertTrue(parameters.path("parameters").isObject(), file + " has parameters");
    }

    @ParameterizedTest
    @ValueSource(strings = {"infra/cluster.json", "infra/functions.json"})
    void everyReferenceResolvesToSomethingDeclared(String file) {
        assertEquals(List.of(), TemplateChecks.unresolvedReferences(ArmTemplate.load(InfraFiles.path(file))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"infra/cluster.json", "infra/functions.json"})
    void noPreviewApiVersions(String file) {
        assertEquals(List.of(), TemplateChecks.apiVersionProblems(ArmTemplate.load(InfraFiles.path(file))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"infra/cluster.json", "infra/functions.json"})
    void secretsAreOnlyInSecureParameters(String file) {
        assertEquals(List.of(), TemplateChecks.insecureSecretParameters(ArmTemplate.load(InfraFiles.path(file))));
    }

    @Test
    void secretAppSettingsAreNeverPlainStrings() {
        ArmTemplate functions = InfraFiles.functions();
        List<String> problems = new ArrayList<>();
        functions.appSettings().forEach((name, value) -> {
            if (TemplateChecks.secretSetting(name)) {
                TemplateChecks.secretSettingProblem(functions, name, value).ifPresent(problems::add);
            }
        });
        assertEquals(List.of(), problems);
        for (String name : DOCKER_TLS_SETTINGS) {
            assertTrue(TemplateChecks.keyVaultOrSecureParameter(functions, functions.appSettings().get(name)),
                    name + " is a Key Vault reference or a securestring parameter");
        }
    }

    @Test
    void appSettingsIncludeEverySettingTheAppValidates() throws IOException {
        Set<String> settings = InfraFiles.functions().appSettings().keySet();
        List<String> missing = new ArrayList<>(REQUIRED_APP_SETTINGS);
        missing.addAll(settingsNamedInMainSources());
        missing.removeAll(settings);
        // The status page's key login compares with the local host's master key; in Azure the page uses App Service
        // authentication instead, and the Functions host keeps its master key to itself.
        missing.remove("HARBORMASTER_LOCAL_MASTER_KEY");
        assertEquals(List.of(), missing.stream().distinct().toList(),
                "settings the app reads but infra/functions.json does not set (add them to the function app's appSettings)");
    }

    /**
     * Every "HARBORMASTER_..." string literal in the app's sources names a setting the app reads. The embedded local
     * host and the emulator live in the local module, which never runs in Azure.
     */
    private static Set<String> settingsNamedInMainSources() throws IOException {
        Pattern literal = Pattern.compile("\"(HARBORMASTER_[A-Z0-9_]+)\"");
        Path sources = InfraFiles.path("functions/src/main/java");
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher matcher = literal.matcher(Files.readString(file));
                while (matcher.find()) {
                    names.add(matcher.group(1));
                }
            }
        }
        return names;
    }

    @Test
    void hostStorageIsReachedWithTheIdentityAndHasSharedKeyAccessOff() {
        ArmTemplate functions = InfraFiles.functions();
        JsonNode host = storageAccount(functions, "[parameters('storageAccountName')]");
        assertFalse(host.path("properties").path("allowSharedKeyAccess").asBoolean(true), "shared key off on the queue/blob account");
        assertTrue(host.path("properties").path("defaultToOAuthAuthentication").asBoolean(), "the portal uses Entra ID too");
        Map<String, JsonNode> settings = functions.appSettings();
        assertFalse(settings.containsKey("AzureWebJobsStorage"), "no connection string: the exact setting would win over the identity");
        String hostAccount = "resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))";
        assertEquals("[reference(" + hostAccount + ", '2023-05-01').primaryEndpoints.blob]",
                settings.get("AzureWebJobsStorage__blobServiceUri").asText());
        assertEquals("[reference(" + hostAccount + ", '2023-05-01').primaryEndpoints.queue]",
                settings.get("AzureWebJobsStorage__queueServiceUri").asText());
    }

    @Test
    void theAppsIdentityHasTheHostsDataRolesOnTheHostStorageAccountOnly() {
        ArmTemplate functions = InfraFiles.functions();
        JsonNode variables = functions.root.path("variables");
        Map<String, String> roles = new TreeMap<>();
        for (ArmTemplate.Resource resource : functions.resources) {
            JsonNode node = resource.node();
            String scope = node.path("scope").asText();
            if (resource.type().equals("Microsoft.Authorization/roleAssignments") && scope.contains("Microsoft.Storage")) {
                assertEquals("[format('Microsoft.Storage/storageAccounts/{0}', parameters('storageAccountName'))]", scope);
                assertEquals("[reference(resourceId('Microsoft.Web/sites', parameters('functionAppName')), '2023-12-01', 'full').identity.principalId]",
                        node.path("properties").path("principalId").asText());
                String role = node.path("properties").path("roleDefinitionId").asText()
                        .replaceAll(".*variables\\('(\\w+)'\\).*", "$1");
                roles.put(role, variables.path(role).asText());
            }
        }
        // Learn, "Connecting to host storage with an identity": Storage Blob Data Owner for the host's own blobs; the
        // queue triggers and the app's own queues need Storage Queue Data Contributor. No blob trigger, so no
        // Storage Account Contributor; no table, so no Storage Table Data Contributor.
        assertEquals(Map.of("storageBlobDataOwner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
                "storageQueueDataContributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88"), roles);
    }

    @Test
    void noAppSettingCarriesAnAccountKeyButTheContentShares() {
        ArmTemplate functions = InfraFiles.functions();
        JsonNode variables = functions.root.path("variables");
        List<String> keyed = new ArrayList<>();
        functions.appSettings().forEach((name, value) -> {
            String expanded = expandVariables(value.asText(), variables, 0);
            if (expanded.contains("listKeys") || expanded.contains("AccountKey") || expanded.contains("listAccountSas")) {
                keyed.add(name);
                assertFalse(expanded.contains("parameters('storageAccountName')"), name + " holds the host account's key");
                assertTrue(expanded.contains("listKeys(resourceId('Microsoft.Storage/storageAccounts', parameters('contentStorageAccountName'))"),
                        name + " holds the content account's key: " + expanded);
            }
        });
        assertEquals(List.of("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"), keyed);
        JsonNode content = storageAccount(functions, "[parameters('contentStorageAccountName')]");
        assertTrue(content.path("properties").path("allowSharedKeyAccess").asBoolean(), "Azure Files content shares take the key");
        assertFalse(content.path("properties").path("allowBlobPublicAccess").asBoolean(true));
    }

    private static JsonNode storageAccount(ArmTemplate template, String name) {
        return template.resources.stream()
                .filter(r -> r.type().equals("Microsoft.Storage/storageAccounts") && r.name().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no storage account " + name)).node();
    }

    /** The expression with each variables('x') replaced by x's own expression, so a key cannot hide in a variable. */
    private static String expandVariables(String text, JsonNode variables, int depth) {
        Matcher matcher = Pattern.compile("variables\\('(\\w+)'\\)").matcher(text);
        StringBuilder expanded = new StringBuilder();
        while (matcher.find()) {
            String inner = variables.path(matcher.group(1)).toString().replaceAll("^\"\\[|\\]\"$", "");
            matcher.appendReplacement(expanded, Matcher.quoteReplacement(depth < 5 ? expandVariables(inner, variables, depth + 1) : inner));
        }
        matcher.appendTail(expanded);
        return expanded.toString();
    }

    @Test
    void dockerHostsAreTheManagersStaticAddressesOnTheTlsPort() {
        ArmTemplate functions = InfraFiles.functions();
        ArmTemplate cluster = InfraFiles.cluster();
        JsonNode hostList = functions.root.path("variables").path("copy").get(0);
        assertEquals("dockerHostList", hostList.path("name").asText());
        assertEquals("[format('tcp://{0}:2376', cidrHost(parameters('managerSubnetPrefix'), add(3, copyIndex('dockerHostList'))))]",
                hostList.path("input").asText());
        JsonNode nic = cluster.resource("Microsoft.Network/networkInterfaces").node();
        JsonNode ipConfiguration = nic.path("properties").path("ipConfigurations").get(0).path("properties");
        assertEquals("Static", ipConfiguration.path("privateIPAllocationMethod").asText());
        assertEquals("[cidrHost(parameters('managerSubnetPrefix'), add(3, copyIndex()))]", ipConfiguration.path("privateIPAddress").asText());
        assertEquals("[variables('dockerHosts')]", functions.appSettings().get("HARBORMASTER_DOCKER_HOSTS").asText());
        // Both templates must agree on where the managers are and how many there are.
        for (String shared : List.of("managerSubnetPrefix", "managerCount", "scaleSetName")) {
            assertEquals(cluster.parameters().path(shared).path("defaultValue"), functions.parameters().path(shared).path("defaultValue"),
                    shared + " has the same default in both templates");
            assertEquals(example("infra/cluster.parameters.example.json").path(shared),
                    example("infra/functions.parameters.example.json").path(shared), shared + " is the same in both example files");
        }
        assertEquals(5, cluster.parameters().path("managerCount").path("maxValue").asInt());
        assertEquals(5, functions.parameters().path("managerCount").path("maxValue").asInt());
        assertEquals(5, hostList.path("count").asInt(), "one address for each possible manager");
    }

    @Test
    void theAppsRolesInTheClusterAreCustomRolesOnTheAgentsScaleSetAndOnEachManager() throws IOException {
        ArmTemplate functions = InfraFiles.functions();
        assertTrue(functions.resources.stream().map(ArmTemplate.Resource::node).noneMatch(r -> r.path("type").asText().equals("Microsoft.Resources/deployments")),
                "functions.json assigns nothing in the cluster's group: cluster.json scopes the app's roles to the scale set and the managers");
        ArmTemplate cluster = InfraFiles.cluster();
        Map<String, JsonNode> definitions = new TreeMap<>();
        Map<String, JsonNode> assignments = new TreeMap<>();
        for (ArmTemplate.Resource resource : cluster.resources) {
            if (resource.type().equals("Microsoft.Authorization/roleDefinitions")) {
                definitions.put(resource.name(), resource.node());
            } else if (resource.type().equals("Microsoft.Authorization/roleAssignments")) {
                assignments.put(resource.node().path("properties").path("roleDefinitionId").asText(), resource.node());
            }
        }
        assertEquals(Set.of("[variables('managerReaderRoleId')]", "[variables('scaleSetOperatorRoleId')]",
                "[variables('flexibleNetworkJoinRoleId')]"), definitions.keySet(),
                "three roles in the cluster's group: the scale set operator, the manager reader, and (Flexible pools only)"
                        + " the join of the agents' subnet and backend pool; the Flexible VM operator is in flexibleResourceGroup");
        assertEquals(Set.of("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('managerReaderRoleId'))]",
                "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('scaleSetOperatorRoleId'))]",
                "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('flexibleNetworkJoinRoleId'))]"),
                assignments.keySet(), "each role assigned on its resources (the manager reader through a copy loop)");
        for (ArmTemplate.Resource resource : cluster.resources) {
            if (resource.type().equals("Microsoft.Authorization/roleAssignments")) {
                assertTrue(resource.node().path("scope").asText().startsWith("[format('Microsoft."),
                        "every assignment in the cluster's group is on named resources, never on the group: " + resource.name());
            }
        }
        for (JsonNode action : cluster.root.path("variables").path("flexibleVmOperatorActions")) {
            String text = action.asText().toLowerCase(Locale.ROOT);
            assertFalse(text.contains("*") || text.contains("runcommand") || text.contains("extensions"), action.asText());
            assertTrue(text.startsWith("microsoft.compute/virtualmachines/") || text.startsWith("microsoft.compute/disks/")
                    || text.startsWith("microsoft.network/networkinterfaces/") || text.startsWith("microsoft.authorization/locks/"),
                    action.asText());
        }
        Map<String, String> prefixes = Map.of("scaleSetOperator", "Microsoft.Compute/virtualMachineScaleSets/",
                "managerReader", "Microsoft.Compute/virtualMachines/");
        for (Map.Entry<String, String> prefix : prefixes.entrySet()) {
            JsonNode role = definitions.get("[variables('" + prefix.getKey() + "RoleId')]");
            assertEquals("CustomRole", role.path("properties").path("type").asText());
            assertEquals("[variables('" + prefix.getKey() + "Actions')]", role.path("properties").path("permissions").get(0).path("actions").asText());
            assertEquals(0, role.path("properties").path("permissions").get(0).path("dataActions").size());
            assertEquals(1, role.path("properties").path("permissions").size());
            JsonNode actions = cluster.root.path("variables").path(prefix.getKey() + "Actions");
            assertFalse(actions.isEmpty(), prefix.getKey() + "Actions");
            for (JsonNode action : actions) {
                assertTrue(action.asText().startsWith(prefix.getValue()), action.asText());
                assertFalse(action.asText().contains("*"), "no wildcard: " + action.asText());
            }
        }
        // A manager's role reads and nothing else: run-command on a manager is root on the swarm's control plane.
        for (JsonNode action : cluster.root.path("variables").path("managerReaderActions")) {
            assertTrue(action.asText().endsWith("/read"), "the manager reader only reads: " + action.asText());
        }
        JsonNode scaleSet = assignments.get("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('scaleSetOperatorRoleId'))]");
        assertEquals("[format('Microsoft.Compute/virtualMachineScaleSets/{0}', variables('pools')[copyIndex()].scaleSet)]",
                scaleSet.path("scope").asText(), "one assignment on each pool's scale set, never on the group");
        JsonNode scaleSets = cluster.resource("Microsoft.Compute/virtualMachineScaleSets").node();
        assertEquals("[variables('pools')[copyIndex()].scaleSet]", scaleSets.path("name").asText());
        assertEquals(scaleSets.path("copy").path("count").asText(), scaleSet.path("copy").path("count").asText(),
                "as many assignments as scale sets");
        JsonNode managers = assignments.get("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('managerReaderRoleId'))]");
        assertEquals("[format('Microsoft.Compute/virtualMachines/master{0}', copyIndex())]", managers.path("scope").asText(),
                "one assignment on each manager VM, never on the group");
        assertEquals("[parameters('managerCount')]", managers.path("copy").path("count").asText());
        JsonNode managerVm = cluster.resources.stream().filter(r -> r.type().equals("Microsoft.Compute/virtualMachines"))
                .findFirst().orElseThrow().node();
        assertEquals("[format('master{0}', copyIndex())]", managerVm.path("name").asText(), "the assignment's scope names the managers as they are");
        assertEquals(managerVm.path("copy").path("count").asText(), managers.path("copy").path("count").asText());
        List<String> dependsOn = STRICT.convertValue(managers.path("dependsOn"), List.class);
        assertTrue(dependsOn.contains("[resourceId('Microsoft.Compute/virtualMachines', format('master{0}', copyIndex()))]"), dependsOn.toString());
        assertTrue(dependsOn.contains("[resourceId('Microsoft.Authorization/roleDefinitions', variables('managerReaderRoleId'))]"), dependsOn.toString());
        String text = Files.readString(InfraFiles.path("infra/cluster.json")) + Files.readString(InfraFiles.path("infra/functions.json"));
        assertFalse(text.contains("9980e02c-c2be-4d73-94e8-173b1dc7cf3c"), "no Virtual Machine Contributor anywhere");
        assertFalse(text.contains("b24988ac-6180-42a0-ab88-20f7382dd24c"), "no Contributor anywhere");
        assertFalse(text.toLowerCase(Locale.ROOT).contains("runcommand"), "no run-command anywhere");
        assertEquals("SystemAssigned", functions.resource("Microsoft.Web/sites").node().path("identity").path("type").asText());
    }

    @Test
    void operationStatusesAreReadableAtTheSubscriptionAndNothingElse() {
        ArmTemplate cluster = InfraFiles.cluster();
        JsonNode deployment = cluster.resources.stream().map(ArmTemplate.Resource::node)
                .filter(r -> r.path("type").asText().equals("Microsoft.Resources/deployments") && r.has("subscriptionId"))
                .findFirst().orElseThrow(() -> new AssertionError("no subscription-scope deployment"));
        assertFalse(deployment.has("resourceGroup"), "deployed at the subscription");
        assertEquals(List.of("Microsoft.Compute/locations/operations/read"),
                STRICT.convertValue(cluster.root.path("variables").path("operationStatusActions"), List.class));
        JsonNode inner = deployment.path("properties").path("template");
        assertEquals("[parameters('actions')]", inner.path("resources").get(0).path("properties").path("permissions").get(0).path("actions").asText());
    }

    @Test
    void theAppIsLockedDown() {
        ArmTemplate functions = InfraFiles.functions();
        JsonNode vault = functions.resource("Microsoft.KeyVault/vaults").node().path("properties");
        assertTrue(vault.path("enableRbacAuthorization").asBoolean());
        assertTrue(vault.path("enablePurgeProtection").asBoolean(), "purge protection");
        JsonNode site = functions.resource("Microsoft.Web/sites").node().path("properties");
        assertTrue(site.path("httpsOnly").asBoolean());
        assertEquals("1.2", site.path("siteConfig").path("minTlsVersion").asText());
        assertEquals("Disabled", site.path("siteConfig").path("ftpsState").asText());
        List<String> policies = new ArrayList<>();
        for (JsonNode r : functions.resources.stream().map(ArmTemplate.Resource::node).toList()) {
            if (r.path("type").asText().equals("Microsoft.Web/sites/basicPublishingCredentialsPolicies")) {
                assertFalse(r.path("properties").path("allow").asBoolean(true), r.path("name").asText());
                policies.add(r.path("name").asText().replaceAll(".*/(\\w+)'.*", "$1"));
            }
        }
        assertEquals(List.of("scm", "ftp"), policies, "basic publishing credentials off for both");
    }

    @Test
    void onlyTheClusterSubnetsAndOperatorsReachTheApp() {
        ArmTemplate cluster = InfraFiles.cluster();
        JsonNode vnet = cluster.resource("Microsoft.Network/virtualNetworks").node();
        for (JsonNode subnet : vnet.path("properties").path("subnets")) {
            String name = subnet.path("name").asText();
            if (!name.equals("functions")) {
                assertEquals("Microsoft.Web", subnet.path("properties").path("serviceEndpoints").get(0).path("service").asText(), name);
            }
        }
        assertTrue(cluster.parameters().path("restrictAppAccess").path("defaultValue").asBoolean(), "restricted unless the operator says otherwise");
        JsonNode web = cluster.nested.get(0).resource("Microsoft.Web/sites/config").node().path("properties");
        assertEquals("[if(parameters('restrictAppAccess'), 'Deny', 'Allow')]", web.path("ipSecurityRestrictionsDefaultAction").asText());
        assertTrue(web.path("ipSecurityRestrictions").asText().contains("variables('subnetRules')"));
    }

    @Test
    void theAutoscaleWebhookCarriesTheAutoscaleFunctionsOwnKeyAndNoHostKey() {
        ArmTemplate cluster = InfraFiles.cluster();
        JsonNode autoscale = cluster.resource("Microsoft.Insights/autoscalesettings").node();
        String webhooks = autoscale.path("properties").path("notifications").get(0).path("webhooks").asText();
        assertTrue(webhooks.startsWith("[if(parameters('restrictAppAccess'), createArray(),"), "no webhook while the app admits only the cluster: " + webhooks);
        assertTrue(webhooks.contains("/api/autoscale?code=") && webhooks.contains("listKeys(variables('autoscaleFunctionId')"), webhooks);
        assertFalse(webhooks.contains("functionKeys") || webhooks.contains("masterKey"), "no host key: " + webhooks);
        assertTrue(cluster.root.path("variables").path("autoscaleFunctionId").asText().contains("'Microsoft.Web/sites/functions', parameters('functionAppName'), 'autoscale')"));
    }

    @Test
    void theFunctionAppRunsOnAnElasticPremiumLinuxPlan() {
        ArmTemplate functions = InfraFiles.functions();
        JsonNode plan = functions.resource("Microsoft.Web/serverfarms").node();
        assertEquals("EP1", plan.path("sku").path("name").asText());
        assertEquals("ElasticPremium", plan.path("sku").path("tier").asText());
        assertTrue(plan.path("properties").path("reserved").asBoolean(), "a Linux plan");
        JsonNode networkConfig = InfraFiles.cluster().nested.get(0).resource("Microsoft.Web/sites/networkConfig").node();
        assertTrue(networkConfig.path("properties").path("swiftSupported").asBoolean(), "regional VNet integration");
    }

    @Test
    void theScaleSetIsItsPoolsModeManualAndWaitsForTerminateApproval() {
        ArmTemplate cluster = InfraFiles.cluster();
        JsonNode properties = cluster.resource("Microsoft.Compute/virtualMachineScaleSets").node().path("properties");
        // Uniform here, in the cluster's group; a Flexible pool's is made in its own (FlexibleGroupTemplateTest).
        assertEquals("Uniform", properties.path("orchestrationMode").asText());
        assertEquals("Uniform", cluster.root.path("variables").path("poolDefaults").path("mode").asText());
        assertFalse(properties.path("overprovision").asBoolean(true), "a Uniform scale set never overprovisions");
        assertEquals("Manual", properties.path("upgradePolicy").path("mode").asText());
        assertTrue(properties.path("scaleInPolicy").path("rules").isArray());
        JsonNode terminate = properties.path("virtualMachineProfile").path("scheduledEventsProfile").path("terminateNotificationProfile");
        assertTrue(terminate.path("enable").asBoolean());
        assertEquals("[parameters('terminateNotBeforeTimeout')]", terminate.path("notBeforeTimeout").asText());
        assertEquals("PT10M", cluster.parameters().path("terminateNotBeforeTimeout").path("defaultValue").asText());
        JsonNode autoscale = cluster.resource("Microsoft.Insights/autoscalesettings").node();
        assertEquals("[parameters('enableAutoscale')]", autoscale.path("condition").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cluster", "functions"})
    void exampleParametersExistInTheTemplateAndGiveEveryRequiredOne(String name) {
        ArmTemplate template = ArmTemplate.load(InfraFiles.path("infra/" + name + ".json"));
        JsonNode example = example("infra/" + name + ".parameters.example.json");
        assertEquals(List.of(), ExampleParameters.problems(template, example, InfraFiles.root()));
    }

    static JsonNode example(String file) {
        try {
            return STRICT.readTree(Files.readString(InfraFiles.path(file))).path("parameters");
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
    }
}
