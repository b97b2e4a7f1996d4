package io.harbormaster.emulator.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.EmulatorFixture;
import io.harbormaster.scaleset.AzureScaleSet;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/**
 * The App Service identity endpoint as azure-identity's ManagedIdentityCredential and DefaultAzureCredential use it.
 * The credentials run in a child JVM (MSAL reads the process environment, not azure-core's Configuration) and send
 * through a client that refuses any host but loopback, so no test can reach IMDS.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IdentityServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TokenBook tokens = new TokenBook();
    private IdentityServer identity;
    private java.net.http.HttpClient raw;

    @BeforeEach
    void start() throws IOException {
        identity = new IdentityServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), tokens,
                IdentityServer.ARM_AUDIENCES).start();
        raw = java.net.http.HttpClient.newHttpClient();
    }

    @AfterEach
    void stop() {
        identity.close();
    }

    /**
     * Runs {@link TokenProbe} in a child JVM whose environment is App Service's, pointing at this server; MSAL reads
     * the process environment only. Returns the token it got; the token is never printed.
     */
    private String tokenFromChild(String credential) throws Exception {
        ProcessBuilder child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), TokenProbe.class.getName(), credential)
                .redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = child.environment();
        env.keySet().removeIf(name -> name.startsWith("AZURE_") || name.startsWith("IDENTITY_")
                || name.startsWith("MSI_") || name.equals("IMDS_ENDPOINT"));
        env.put("IDENTITY_ENDPOINT", identity.endpoint().toString());
        env.put("IDENTITY_HEADER", identity.identityHeader());
        env.put("AZURE_TOKEN_CREDENTIALS", "ManagedIdentityCredential");
        // Should anything still fall back to IMDS, it would ask this closed loopback port, not 169.254.169.254.
        env.put("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9");
        Process process = child.start();
        String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(20, TimeUnit.SECONDS));
        assertFalse(out.contains("refused"), "the credential tried to leave loopback");
        assertTrue(out.startsWith("token "), "the child got no token: " + out.split(" ")[0]);
        String[] parts = out.split("\\s+");
        assertTrue(Instant.ofEpochSecond(Long.parseLong(parts[2])).isAfter(Instant.now().plus(Duration.ofHours(23))));
        return parts[1];
    }

    private java.net.http.HttpResponse<String> get(String query, String header) throws Exception {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
                URI.create(identity.endpoint() + "?" + query)).GET();
        if (header != null) {
            request.header("X-IDENTITY-HEADER", header);
        }
        return raw.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void managedIdentityCredentialGetsATokenTheArmSurfaceAccepts() throws Exception {
        String token = tokenFromChild("managed");

        assertTrue(tokens.check(token).isEmpty(), "the ARM surface would refuse it");
        try (EmulatorFixture emulator = new EmulatorFixture(tokens).withAgents(EmulatorFixture.agents(2))) {
            TokenCredential credential = request -> Mono.just(new AccessToken(token, OffsetDateTime.now().plusHours(1)));
            AzureScaleSet scaleSet = emulator.scaleSet(emulator.arm.endpoint(), EmulatorFixture.FAST_POLICY, credential);
            assertEquals(2, scaleSet.describe().capacity());
        }
    }

    @Test
    void defaultAzureCredentialWithTheAppServiceEnvironmentGetsAToken() throws Exception {
        assertTrue(tokens.check(tokenFromChild("default")).isEmpty());
    }

    @Test
    void theAnswerHasTheDocumentedFields() throws Exception {
        java.net.http.HttpResponse<String> response = get("resource=https://management.azure.com/&api-version=2019-08-01",
                identity.identityHeader());

        assertEquals(200, response.statusCode());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(Set.of("access_token", "expires_on", "resource", "token_type", "client_id"),
                Set.copyOf(iterate(body.fieldNames())));
        assertEquals("https://management.azure.com/", body.path("resource").asText());
        assertEquals("Bearer", body.path("token_type").asText());
        assertTrue(body.path("expires_on").isTextual(), "epoch seconds as a string");
        Long.parseLong(body.path("expires_on").asText());
        assertEquals(identity.clientId(), body.path("client_id").asText());
    }

    @Test
    void aMissingOrWrongHeaderIsRefused() throws Exception {
        assertEquals(401, get("resource=https://management.azure.com/&api-version=2019-08-01", null).statusCode());
        java.net.http.HttpResponse<String> wrong = get("resource=https://management.azure.com/&api-version=2019-08-01", "guess");
        assertEquals(401, wrong.statusCode());
        assertFalse(wrong.body().contains(identity.identityHeader()));
    }

    @Test
    void anotherResourceOrApiVersionIsRefused() throws Exception {
        java.net.http.HttpResponse<String> vault = get("resource=https://vault.azure.net&api-version=2019-08-01",
                identity.identityHeader());
        assertEquals(400, vault.statusCode());
        assertEquals("invalid_resource", JSON.readTree(vault.body()).path("error").asText());
        assertEquals(400, get("resource=https://management.azure.com/&api-version=2017-09-01",
                identity.identityHeader()).statusCode());
    }

    @Test
    void aStorageTokenIsAJwtWithTheClaimsAzuriteChecksAndArmRefusesIt() throws Exception {
        for (String resource : List.of("https://storage.azure.com/", "https://storage.azure.com")) {
            java.net.http.HttpResponse<String> response = get("resource=" + resource + "&api-version=2019-08-01",
                    identity.identityHeader());
            assertEquals(200, response.statusCode());
            JsonNode body = JSON.readTree(response.body());
            assertEquals(resource, body.path("resource").asText());
            String token = body.path("access_token").asText();
            String[] parts = token.split("\\.");
            assertEquals(3, parts.length, "header.claims.signature");
            JsonNode header = JSON.readTree(java.util.Base64.getUrlDecoder().decode(parts[0]));
            JsonNode claims = JSON.readTree(java.util.Base64.getUrlDecoder().decode(parts[1]));
            assertEquals("RS256", header.path("alg").asText());
            assertEquals("https://storage.azure.com", claims.path("aud").asText());
            assertTrue(claims.path("iss").asText().startsWith("https://sts.windows.net/"), "an issuer Azurite accepts");
            long now = Instant.now().getEpochSecond();
            assertTrue(claims.path("nbf").asLong() <= now && claims.path("iat").asLong() <= now);
            assertEquals(Long.parseLong(body.path("expires_on").asText()), claims.path("exp").asLong());
            assertTrue(claims.path("exp").asLong() > now + 23 * 3600);
            assertEquals(identity.clientId(), claims.path("appid").asText());
            assertEquals(identity.principalId(), claims.path("oid").asText());
            java.security.Signature rs256 = java.security.Signature.getInstance("SHA256withRSA");
            rs256.initVerify(identity.storageTokens().publicKey());
            rs256.update((parts[0] + "." + parts[1]).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertTrue(rs256.verify(java.util.Base64.getUrlDecoder().decode(parts[2])), "signed with the emulator's key");
            assertEquals(TokenBook.Refusal.UNKNOWN, tokens.check(token).orElseThrow(),
                    "a storage token is no ARM token");
        }
    }

    private static List<String> iterate(java.util.Iterator<String> names) {
        List<String> list = new java.util.ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }
}
