package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The nodes hold no shared secret and no Azure identity (issue 11): they prove who they are with their IMDS attested
 * document on the /api/node/* routes, and no key of the function app leaves it but the autoscale function's own.
 */
class NodesHoldNoSecretTest {
    /** The app's system-assigned identity, as infra/cluster.json names it. */
    static final String APP_PRINCIPAL = "[reference(variables('functionAppId'), '2023-12-01', 'full').identity.principalId]";

    @Test
    void theClusterDeclaresNoSecret() {
        assertEquals(List.of(), TrustChecks.secretResources(InfraFiles.cluster()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"infra/cluster.json", "infra/functions.json"})
    void noKeyOfTheAppIsReadButTheAutoscaleFunctionsOwnForItsWebhook(String file) {
        assertEquals(List.of(), TrustChecks.appKeyReads(ArmTemplate.load(InfraFiles.path(file))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"infra/cluster.json", "infra/functions.json"})
    void noOutputCarriesAKey(String file) {
        assertEquals(List.of(), TrustChecks.outputsCarryingKeys(ArmTemplate.load(InfraFiles.path(file))));
    }

    @Test
    void neitherManagersNorAgentsHaveAnIdentity() {
        assertEquals(List.of(), TrustChecks.nodeIdentities(InfraFiles.cluster()));
    }

    @Test
    void theClusterGrantsRolesToTheAppAloneAndNoneOnAKeyVault() {
        assertEquals(List.of(), TrustChecks.roleAssignmentsToOthers(InfraFiles.cluster(), APP_PRINCIPAL));
    }

    @Test
    void theClusterNeedsNoKeyVault() throws IOException {
        ArmTemplate cluster = InfraFiles.cluster();
        assertFalse(cluster.parameterNames().contains("keyVaultName"), "cluster.json stores nothing in Key Vault");
        String text = Files.readString(InfraFiles.path("infra/cluster.json"));
        for (String gone : List.of("harbormaster-node-function-key", "__HARBORMASTER_KEY_VAULT_URI__",
                "__HARBORMASTER_FUNCTION_KEY_SECRET__", "__HARBORMASTER_IDENTITY_CLIENT_ID__", "Microsoft.Web/sites/host")) {
            assertFalse(text.contains(gone), "cluster.json still mentions " + gone);
        }
    }
}
