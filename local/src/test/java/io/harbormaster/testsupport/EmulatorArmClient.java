package io.harbormaster.testsupport;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.resourcemanager.compute.ComputeManager;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.AzureEmulator;
import io.harbormaster.scaleset.ArmCallPolicy;
import io.harbormaster.scaleset.AzureScaleSet;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import reactor.core.publisher.Mono;

/** The compute SDK's own client against the emulator's ARM, with tokens from its identity endpoint, as an operator's tool. */
public final class EmulatorArmClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmulatorArmClient() {
    }

    /** {@code policies} join the SDK's pipeline, e.g. to watch the answers' headers. */
    public static ComputeManagementClient compute(AzureEmulator emulator, HttpPipelinePolicy... policies) {
        HttpClient http = AzureScaleSet.jdkHttpClient(
                java.net.http.HttpClient.newBuilder().sslContext(emulator.authority().clientSslContext()),
                ArmCallPolicy.defaults());
        Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
        endpoints.put("resourceManagerEndpointUrl", emulator.arm().endpoint().toString());
        TokenCredential credential = request -> Mono.fromCallable(() -> token(emulator));
        ComputeManager.Configurable configurable = ComputeManager.configure().withHttpClient(http);
        for (HttpPipelinePolicy policy : policies) {
            configurable = configurable.withPolicy(policy);
        }
        return configurable.authenticate(credential, new AzureProfile(null, emulator.settings().subscriptionId(),
                new AzureEnvironment(endpoints))).serviceClient();
    }

    private static AccessToken token(AzureEmulator emulator) throws Exception {
        URI uri = URI.create(emulator.identity().endpoint() + "?api-version=2019-08-01&resource="
                + URLEncoder.encode("https://management.core.windows.net/", StandardCharsets.UTF_8));
        HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
                .header("X-IDENTITY-HEADER", emulator.identity().identityHeader()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(response.body());
        return new AccessToken(body.path("access_token").asText(),
                OffsetDateTime.ofInstant(Instant.ofEpochSecond(body.path("expires_on").asLong()), ZoneOffset.UTC));
    }
}
