package io.harbormaster.emulator;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.resourcemanager.compute.ComputeManager;
import com.sun.net.httpserver.HttpsConfigurator;
import io.harbormaster.config.AzureCloud;
import io.harbormaster.config.ScaleSetSettings;
import io.harbormaster.emulator.arm.ArmFaults;
import io.harbormaster.emulator.arm.ArmServer;
import io.harbormaster.emulator.cloud.CloudSettings;
import io.harbormaster.emulator.cloud.EmulatedCloud;
import io.harbormaster.emulator.cloud.ScaleSetSpec;
import io.harbormaster.emulator.identity.TokenBook;
import io.harbormaster.scaleset.ArmCallPolicy;
import io.harbormaster.scaleset.AzureScaleSet;
import io.harbormaster.testsupport.SelfSignedTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import reactor.core.publisher.Mono;

/** The emulator's ARM pieces on loopback with in-memory machines: the cloud, its faults, its tokens and the server. */
public final class EmulatorFixture implements AutoCloseable {
    public static final String SUBSCRIPTION = "6f5c6a3e-1b0a-4c1e-9a57-2d1f0c7e8b42";
    public static final String RESOURCE_GROUP = "harbormaster-cluster-rg";
    public static final String SCALE_SET = "harbormaster-agents";
    public static final String LOCATION = "westeurope";
    public static final String SKU = "Standard_D2s_v3";
    public static final String PREFIX = "agent";
    public static final String API_VERSION = "2025-04-01";
    public static final ScaleSetSettings TARGET = new ScaleSetSettings(SUBSCRIPTION, RESOURCE_GROUP, SCALE_SET, AzureCloud.PUBLIC);
    /** Production's shape with test-sized waits: three retries, 10-100 ms backoff, 20 ms polls. */
    public static final ArmCallPolicy FAST_POLICY = new ArmCallPolicy(
            3, Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(5),
            Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMillis(20), Duration.ofSeconds(10));
    private static final SelfSignedTls TLS = SelfSignedTls.forLoopback();

    public final InMemoryMachines machines = new InMemoryMachines();
    public final ArmFaults faults = new ArmFaults();
    public final TokenBook tokens;
    public final EmulatedCloud cloud;
    public final ArmServer arm;
    private final java.net.http.HttpClient raw;
    private String token;

    /** The certificate the emulated ARM presents, and the client context that trusts it. */
    public static SelfSignedTls tls() {
        return TLS;
    }

    public EmulatorFixture(Duration evictionNotice) throws IOException {
        this(evictionNotice, new TokenBook());
    }

    /** With the token book of an identity endpoint, so the tokens it issues are accepted. */
    public EmulatorFixture(TokenBook tokens) throws IOException {
        this(Duration.ofMillis(200), tokens);
    }

    public EmulatorFixture(Duration evictionNotice, TokenBook tokens) throws IOException {
        this.tokens = tokens;
        cloud = new EmulatedCloud(new CloudSettings(SUBSCRIPTION, RESOURCE_GROUP, evictionNotice), machines, faults);
        faults.retryAfter(Duration.ZERO);
        arm = new ArmServer(new HttpsConfigurator(TLS.serverContext()),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), cloud, tokens, faults).start();
        raw = java.net.http.HttpClient.newBuilder().sslContext(TLS.clientContext()).build();
    }

    public EmulatorFixture() throws IOException {
        this(Duration.ofMillis(200));
    }

    /** Adds the agents' scale set with this many running instances, and waits for them to boot. */
    public EmulatorFixture withAgents(ScaleSetSpec spec) {
        cloud.addScaleSet(spec).await(Duration.ofSeconds(5));
        return this;
    }

    public static ScaleSetSpec agents(long capacity) {
        return ScaleSetSpec.regular(SCALE_SET, LOCATION, SKU, capacity, PREFIX);
    }

    /** A credential handing out tokens of this emulator's book, as the identity endpoint would. */
    public TokenCredential credential() {
        return request -> Mono.fromSupplier(() -> {
            TokenBook.IssuedToken issued = tokens.issue();
            return new AccessToken(issued.token(), issued.expiresOn().atOffset(ZoneOffset.UTC));
        });
    }

    public String token() {
        if (token == null) {
            token = tokens.issue().token();
        }
        return token;
    }

    public HttpClient sdkHttpClient(ArmCallPolicy policy) {
        return AzureScaleSet.jdkHttpClient(java.net.http.HttpClient.newBuilder().sslContext(TLS.clientContext()), policy);
    }

    public AzureScaleSet scaleSet() {
        return scaleSet(arm.endpoint(), FAST_POLICY, credential());
    }

    /** The adapter on scale set {@code name} of resource group {@code group} (a Flexible pool's own, say). */
    public AzureScaleSet scaleSetIn(String group, String name) {
        return AzureScaleSet.connect(new ScaleSetSettings(SUBSCRIPTION, group, name, AzureCloud.PUBLIC), arm.endpoint(),
                credential(), sdkHttpClient(FAST_POLICY), FAST_POLICY);
    }

    public AzureScaleSet scaleSet(URI endpoint, ArmCallPolicy policy, TokenCredential credential) {
        return AzureScaleSet.connect(TARGET, endpoint, credential, sdkHttpClient(policy), policy);
    }

    /** The SDK's fluent client, for operations AzureScaleSet does not call. */
    public ComputeManager computeManager() {
        Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
        endpoints.put("resourceManagerEndpointUrl", arm.endpoint().toString());
        AzureProfile profile = new AzureProfile(null, SUBSCRIPTION, new AzureEnvironment(endpoints));
        return ComputeManager.configure()
                .withHttpClient(sdkHttpClient(FAST_POLICY))
                .withLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE))
                .authenticate(credential(), profile);
    }

    public String scaleSetPath() {
        return "/subscriptions/" + SUBSCRIPTION + "/resourceGroups/" + RESOURCE_GROUP
                + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + SCALE_SET;
    }

    /** A raw request with this fixture's bearer token; {@code pathAndQuery} starts with "/". */
    public HttpResponse<String> send(String method, String pathAndQuery, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(arm.endpoint().resolve(pathAndQuery.substring(1)))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Authorization", "Bearer " + token());
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        try {
            return raw.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public java.net.http.HttpClient rawClient() {
        return raw;
    }

    @Override
    public void close() {
        arm.close();
        cloud.close();
    }
}
