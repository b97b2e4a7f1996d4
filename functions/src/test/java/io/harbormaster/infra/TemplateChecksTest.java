package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The checks catch what they are for: each is run on a copy of a real template with one thing broken. */
class TemplateChecksTest {

    private static String read(String file) {
        try {
            return Files.readString(InfraFiles.path(file));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The template with the first occurrence of {@code from} replaced, which must exist. */
    static ArmTemplate broken(String file, String from, String to) {
        String text = read(file);
        assertTrue(text.contains(from), file + " contains " + from);
        return ArmTemplate.parse(file + " (broken)", text.replaceFirst(java.util.regex.Pattern.quote(from),
                java.util.regex.Matcher.quoteReplacement(to)));
    }

    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "infra/cluster.json|parameters('managerSubnetPrefix')|parameters('managerSubnetPrefx')",
        "infra/cluster.json|variables('vnetName')|variables('vnetNam')",
        "infra/cluster.json|variables('vnetName'), 'agents')|variables('vnetName'), 'agent')",
        "infra/cluster.json|variables('vnetName'), 'functions')|variables('nsgName'), 'functions')",
        "infra/cluster.json|resourceId('Microsoft.Network/publicIPAddresses', variables('loadBalancerIpName'))|resourceId('Microsoft.Network/publicIPAddresses', variables('loadBalancerName'))",
        "infra/cluster.json|variables('loadBalancerName'), format('port-{0}'|variables('loadBalancerName'), format('probe-{0}'",
        "infra/cluster.json|format('master{0}-nic', copyIndex()))]\" }|format('master{0}-ni', copyIndex()))]\" }",
        "infra/cluster.json|\"subnetResourceId\": \"[parameters('subnetId')]\"|\"subnetResourceId\": \"[parameters('subnetIdx')]\"",
        "infra/cluster.json|\"managers\"\\n      ]|\"manager\"\\n      ]",
        "infra/cluster.json|copyIndex('probes')]]|copyIndex('probe')]]",
        "infra/cluster.json|'Microsoft.Resources/deployments', variables('controlPlaneDeploymentName'))]\"\\n|'Microsoft.Resources/deployments', variables('nsgName'))]\"\\n",
        "infra/functions.json|variables('secretNames').caPem|variables('secretName').caPem",
        "infra/functions.json|resourceId('Microsoft.Insights/components', variables('appInsightsName'))|resourceId('Microsoft.Insights/components', variables('workspaceName'))",
        "infra/functions.json|resourceId('Microsoft.Web/serverfarms', variables('planName'))|resourceId('Microsoft.Web/serverfarms', 'plan')",
        "infra/cluster.json|\"principalId\": \"[parameters('principalId')]\"|\"principalId\": \"[parameters('principal')]\"",
        "infra/functions.json|resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName'))|resourceId('Microsoft.KeyVault/vaults/secrets', parameters('keyVaultName'))",
    })
    void aBrokenReferenceIsReported(String file, String from, String to) {
        assertEquals(List.of(), TemplateChecks.unresolvedReferences(ArmTemplate.load(InfraFiles.path(file))), "intact " + file);
        List<String> problems = TemplateChecks.unresolvedReferences(broken(file, from.replace("\\n", "\n"), to.replace("\\n", "\n")));
        assertFalse(problems.isEmpty(), "no problem reported after " + from + " -> " + to);
    }

    @Test
    void aPreviewApiVersionIsReported() {
        assertFalse(TemplateChecks.apiVersionProblems(broken("infra/cluster.json", "\"2023-09-01\"", "\"2023-09-01-preview\"")).isEmpty());
        assertFalse(TemplateChecks.apiVersionProblems(broken("infra/cluster.json",
                "'2022-09-01').outputs.functionAppUrl", "'2022-09-01-preview').outputs.functionAppUrl")).isEmpty());
        assertFalse(TemplateChecks.apiVersionProblems(broken("infra/cluster.json",
                "\"apiVersion\": \"2022-04-01\",\n              \"name\"", "\"apiVersion\": \"2022-05-01-preview\",\n              \"name\"")).isEmpty(),
                "also inside a nested template");
    }

    @Test
    void aSecretInAPlainParameterIsReported() {
        String from = "\"dockerTlsServerKeyPem\": {\n      \"type\": \"securestring\"";
        String to = "\"dockerTlsServerKeyPem\": {\n      \"type\": \"string\"";
        assertFalse(TemplateChecks.insecureSecretParameters(broken("infra/cluster.json", from, to)).isEmpty());
        ArmTemplate leaky = broken("infra/cluster.json", "\"outputs\": {\n    \"managerFqdn\"",
                "\"outputs\": {\n    \"leak\": { \"type\": \"string\", \"value\": \"[parameters('dockerTlsServerKeyPem')]\" },\n    \"managerFqdn\"");
        assertFalse(TemplateChecks.insecureSecretParameters(leaky).isEmpty(), "a secure parameter in an output");
    }

    @ParameterizedTest
    @CsvSource({
        "dockerTlsKeyPem, true", "dockerTlsCaPem, true", "adminPassword, true", "agentJoinToken, true", "clientCertificate, true",
        "storageAccountKey, true", "keyVaultName, false", "adminSshPublicKey, false", "functionKeySecretName, false",
        "dockerConnectTimeout, false", "managerCount, false", "sshSourcePrefix, false",
        "nodeCredentialLifetime, false", "joinTokenRotation, false", "trustKey, true"
    })
    void secretLookingNames(String name, boolean secret) {
        assertEquals(secret, TemplateChecks.looksSecret(name), name);
    }

    @ParameterizedTest
    @CsvSource({
        "HARBORMASTER_TRUST_KEY, true", "HARBORMASTER_ATTESTATION_TRUST_PEM, true", "HARBORMASTER_JOIN_TOKEN, true",
        "HARBORMASTER_JOIN_TOKEN_ROTATION, false", "HARBORMASTER_NODE_CREDENTIAL_LIFETIME, false"
    })
    void secretLookingSettings(String name, boolean secret) {
        assertEquals(secret, TemplateChecks.secretSetting(name), name);
    }

    @Test
    void aPlainSecretAppSettingIsReported() {
        ArmTemplate plain = broken("infra/functions.json",
                "\"value\": \"[format('@Microsoft.KeyVault(VaultName={0};SecretName={1})', parameters('keyVaultName'), variables('secretNames').clientKeyPem)]\"",
                "\"value\": \"-----BEGIN PRIVATE KEY-----\"");
        JsonNode value = plain.appSettings().get("HARBORMASTER_DOCKER_TLS_KEY_PEM");
        assertTrue(TemplateChecks.secretSettingProblem(plain, "HARBORMASTER_DOCKER_TLS_KEY_PEM", value).isPresent());
        assertFalse(TemplateChecks.keyVaultOrSecureParameter(plain, value));

        ArmTemplate literalExpression = broken("infra/functions.json",
                "{ \"name\": \"WEBSITE_CONTENTAZUREFILECONNECTIONSTRING\", \"value\": \"[variables('contentConnectionString')]\" }",
                "{ \"name\": \"WEBSITE_CONTENTAZUREFILECONNECTIONSTRING\", \"value\": \"[concat('AccountName=x;', 'AccountKey=abc')]\" }");
        assertTrue(TemplateChecks.secretSettingProblem(literalExpression, "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
                literalExpression.appSettings().get("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING")).isPresent());
    }

    @Test
    void exampleParameterMistakesAreReported() {
        ArmTemplate cluster = InfraFiles.cluster();
        ObjectNode example = ArmTemplatesTest.example("infra/cluster.parameters.example.json").deepCopy();
        assertEquals(List.of(), ExampleParameters.problems(cluster, example, InfraFiles.root()));

        ObjectNode unknown = example.deepCopy();
        unknown.putObject("agentCuont").put("value", 3);
        assertEquals(List.of("agentCuont is not a parameter of cluster.json"), ExampleParameters.problems(cluster, unknown, InfraFiles.root()));

        ObjectNode missing = example.deepCopy();
        missing.remove("sshSourcePrefix");
        assertEquals(List.of("required parameter sshSourcePrefix is not given"), ExampleParameters.problems(cluster, missing, InfraFiles.root()));

        ObjectNode plainSecret = example.deepCopy();
        plainSecret.putObject("dockerTlsServerKeyPem").put("value", "-----BEGIN PRIVATE KEY-----");
        assertEquals(1, ExampleParameters.problems(cluster, plainSecret, InfraFiles.root()).size());

        ObjectNode outOfRange = example.deepCopy();
        outOfRange.putObject("managerCount").put("value", 7);
        assertEquals(List.of("managerCount = 7 is above 5"), ExampleParameters.problems(cluster, outOfRange, InfraFiles.root()));

        ArmTemplate renamedFile = broken("infra/cluster.json", "\"harbormasterFromFile\": \"cloud-init/agent.yml\"",
                "\"harbormasterFromFile\": \"cloud-init/agents.yml\"");
        assertEquals(List.of("agentCloudConfig is read from cloud-init/agents.yml, which does not exist"),
                ExampleParameters.problems(renamedFile, example, InfraFiles.root()));
    }

    @Test
    void expressionsParseToCanonicalText() {
        ArmExpression expression = ArmExpression.parse("[ format( 'it''s {0}',parameters('a')[copyIndex('x')].b ) ]");
        assertEquals("format('it''s {0}', parameters('a')[copyindex('x')].b)", expression.text());
        assertThrows(IllegalArgumentException.class, () -> ArmExpression.parse("[concat('a', ]"));
        assertFalse(ArmExpression.isExpression("[[not an expression]"));
    }
}
