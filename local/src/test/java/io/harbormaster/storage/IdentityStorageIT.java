package io.harbormaster.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.azure.storage.queue.models.PeekedMessageItem;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.capacity.BlobCapacityState;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.drain.DrainQueue;
import io.harbormaster.emulator.identity.IdentityServer;
import io.harbormaster.emulator.identity.StorageTokens;
import io.harbormaster.emulator.identity.TokenBook;
import io.harbormaster.emulator.pki.EmulatorAuthority;
import io.harbormaster.testsupport.AzuriteOverHttps;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * The production storage clients with an identity-based AzureWebJobsStorage, against an Azurite of this test's own
 * that requires OAuth over https (certificate from the emulator's CA), with tokens from the emulator's managed
 * identity endpoint. The app's side runs in a child JVM set up as scripts/dev.sh sets up the app (environment and
 * trust store option); this JVM then checks what it wrote, and that requests without a valid token are refused and
 * change nothing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IdentityStorageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RequestRetryOptions NO_RETRIES =
            new RequestRetryOptions(RetryPolicyType.FIXED, 1, Duration.ofSeconds(10), null, null, null);

    @TempDir
    static Path dir;
    private static EmulatorAuthority authority;
    private static AzuriteOverHttps azurite;
    private static IdentityServer identity;
    private static HttpClient trusting;

    @BeforeAll
    static void start() throws IOException {
        authority = EmulatorAuthority.loadOrCreate(dir.resolve("pki"));
        azurite = AzuriteOverHttps.start(authority.tlsServerPem(), authority.tlsServerKey(), dir.resolve("azurite"));
        identity = new IdentityServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), new TokenBook(),
                IdentityServer.ARM_AUDIENCES).start();
        trusting = new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder()
                .sslContext(authority.clientSslContext())).build();
    }

    @AfterAll
    static void stop() {
        if (identity != null) {
            identity.close();
        }
        if (azurite != null) {
            azurite.close();
        }
    }

    private static StorageSettings identitySettings() {
        return StorageSettings.from(new AppSettings(Map.of(
                "AzureWebJobsStorage__blobServiceUri", azurite.blobServiceUri().toString(),
                "AzureWebJobsStorage__queueServiceUri", azurite.queueServiceUri().toString())));
    }

    /** A token straight from the identity endpoint, as App Service's protocol hands it out. */
    private static TokenCredential endpointToken(String resource) {
        return context -> Mono.fromCallable(() -> {
            HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(identity.endpoint() + "?api-version=2019-08-01&resource=" + resource))
                    .header("X-IDENTITY-HEADER", identity.identityHeader()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            var body = JSON.readTree(response.body());
            return new AccessToken(body.path("access_token").asText(), OffsetDateTime.ofInstant(
                    Instant.ofEpochSecond(Long.parseLong(body.path("expires_on").asText())), ZoneOffset.UTC));
        });
    }

    /** Clients with the identity, in this JVM, to look at what the others did. */
    private static StorageClients withIdentity() {
        return StorageClients.connect(identitySettings(), endpointToken("https://storage.azure.com/"), trusting);
    }

    @Test
    void theProductionClientsWorkWithTheManagedIdentity() throws Exception {
        String hostname = "probe-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> output = runProbe(hostname);

        assertEquals(List.of("ok drain-status container", "ok drain queue", "ok capacity lease",
                "ok capacity-checks queue"), output);
        StorageClients storage = withIdentity();
        List<PeekedMessageItem> messages = new ArrayList<>();
        storage.queue(DrainQueue.NAME, NO_RETRIES).peekMessages(32, null, null).forEach(messages::add);
        assertTrue(messages.stream().anyMatch(message -> message.getBody().toString().contains(hostname)),
                "the drain message the probe sent is in the queue");
        assertTrue(storage.container(BlobCapacityState.CONTAINER, NO_RETRIES).getBlobClient("lease").exists());
    }

    @Test
    void aRequestWithoutATokenIsRefusedAndChangesNothing() {
        BlobContainerClient anonymousContainer = new BlobContainerClientBuilder()
                .endpoint(azurite.blobServiceUri() + "/anonymous").httpClient(trusting).retryOptions(NO_RETRIES)
                .buildClient();
        QueueClient anonymousQueue = new QueueClientBuilder().endpoint(azurite.queueServiceUri().toString())
                .queueName("anonymous").httpClient(trusting).retryOptions(NO_RETRIES).buildClient();

        assertRefused(() -> anonymousContainer.create());
        assertRefused(() -> anonymousQueue.create());
        StorageClients storage = withIdentity();
        assertFalse(storage.container("anonymous", NO_RETRIES).exists());
        assertFalse(queueExists(storage, "anonymous"));
    }

    @Test
    void anArmTokenOrAnExpiredStorageTokenIsRefused() {
        StorageClients armToken = StorageClients.connect(identitySettings(),
                endpointToken("https://management.azure.com/"), trusting);
        assertRefused(() -> armToken.container("arm-token", NO_RETRIES).create());

        StorageTokens yesterday = new StorageTokens(UUID.randomUUID().toString(),
                Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC), Duration.ofHours(1));
        TokenBook.IssuedToken expired = yesterday.issue("https://storage.azure.com/", identity.clientId(),
                identity.principalId());
        StorageClients expiredToken = StorageClients.connect(identitySettings(), context -> Mono.just(
                new AccessToken(expired.token(), OffsetDateTime.now().plusHours(1))), trusting);
        assertRefused(() -> expiredToken.queue("expired-token", NO_RETRIES).create());

        StorageClients storage = withIdentity();
        assertFalse(storage.container("arm-token", NO_RETRIES).exists());
        assertFalse(queueExists(storage, "expired-token"));
    }

    private static boolean queueExists(StorageClients storage, String name) {
        try {
            storage.queue(name, NO_RETRIES).getProperties();
            return true;
        } catch (HttpResponseException e) {
            assertEquals(404, e.getResponse().getStatusCode());
            return false;
        }
    }

    private static void assertRefused(Runnable request) {
        HttpResponseException e = assertThrows(HttpResponseException.class, request::run);
        int status = e.getResponse().getStatusCode();
        assertTrue(status == 401 || status == 403, "refused with 401 or 403, not " + status);
    }

    private static List<String> runProbe(String hostname) throws Exception {
        Path out = Files.createTempFile(dir, "probe", ".out");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // What the emulator gives the app's JVM (HARBORMASTER_EMULATOR_TRUST_OPTS): trust its CA.
                "-Djavax.net.ssl.trustStore=" + authority.trustStore(),
                "-Djavax.net.ssl.trustStorePassword=" + EmulatorAuthority.TRUST_STORE_PASSWORD,
                "-cp", System.getProperty("java.class.path"), StorageProbe.class.getName(), hostname));
        ProcessBuilder child = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = child.environment();
        env.keySet().removeIf(name -> name.startsWith("AZURE_") || name.startsWith("IDENTITY_")
                || name.startsWith("MSI_") || name.equals("IMDS_ENDPOINT") || name.startsWith("AzureWebJobs"));
        env.put("IDENTITY_ENDPOINT", identity.endpoint().toString());
        env.put("IDENTITY_HEADER", identity.identityHeader());
        env.put("AzureWebJobsStorage__blobServiceUri", azurite.blobServiceUri().toString());
        env.put("AzureWebJobsStorage__queueServiceUri", azurite.queueServiceUri().toString());
        env.put("AzureWebJobsStorage__credential", "managedidentity");
        // Should anything still fall back to IMDS, it would ask this closed loopback port, not 169.254.169.254.
        env.put("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9");
        Process process = child.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the probe finished");
        return Files.readAllLines(out, StandardCharsets.UTF_8).stream().map(String::strip)
                .filter(line -> line.startsWith("ok ") || line.startsWith("failed ")).toList();
    }
}
