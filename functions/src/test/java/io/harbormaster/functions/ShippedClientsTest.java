package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.DockerSettings;
import io.harbormaster.config.ScaleSetSettings;
import io.harbormaster.scaleset.ArmCallPolicy;
import io.harbormaster.scaleset.AzureScaleSet;
import io.harbormaster.scaleset.ScaleSetException;
import io.harbormaster.swarm.DockerSwarm;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.SwarmUnavailableException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.URI;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Date;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * The clients the app ships with are built the way production builds them (ARM through ComputeManager, Docker over
 * tcp with TLS from PEM settings) and fail with our own exceptions when nobody answers. This test's classpath still
 * holds every artifact; ShippedPackageIT in the local module runs the staged package, where the ones left out are
 * really missing.
 */
class ShippedClientsTest {
    private static final ArmCallPolicy NO_RETRIES = new ArmCallPolicy(0, Duration.ofMillis(10), Duration.ofMillis(10),
            Duration.ZERO, Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofMillis(10), Duration.ofSeconds(5));
    private static final TokenCredential FIXED_TOKEN =
            context -> Mono.just(new AccessToken("test-token", OffsetDateTime.now().plusHours(1)));

    @Test
    void azureScaleSetIsBuiltThroughComputeManagerAndReportsAnUnreachableEndpoint() {
        HttpClient http = AzureScaleSet.jdkHttpClient(java.net.http.HttpClient.newBuilder(), NO_RETRIES);
        AzureScaleSet scaleSet = AzureScaleSet.connect(
                new ScaleSetSettings("00000000-0000-0000-0000-000000000000", "rg", "agents",
                        new io.harbormaster.config.AzureCloud("AzureCloud", URI.create("https://management.azure.com/"), true)),
                URI.create("https://127.0.0.1:1"), FIXED_TOKEN, http, NO_RETRIES);
        ScaleSetException failure = assertThrows(ScaleSetException.class, scaleSet::describe);
        assertTrue(failure.getMessage().contains("agents"), failure.getMessage());
    }

    @Test
    void productionCredentialIsBuiltWithoutTheIdeCredentials() {
        assertNotNull(AzureScaleSet.credential(
                AzureScaleSet.jdkHttpClient(java.net.http.HttpClient.newBuilder(), NO_RETRIES)));
    }

    @Test
    void dockerSwarmOverTcpWithTlsFromPemSettingsReportsAnUnreachableManager() throws Exception {
        String[] pems = selfSignedPems();
        DockerSettings settings = DockerSettings.from(new AppSettings(Map.of(
                DockerSettings.HOSTS, "tcp://127.0.0.1:1",
                DockerSettings.TLS_CA, pems[0],
                DockerSettings.TLS_CERT, pems[0],
                DockerSettings.TLS_KEY, pems[1],
                DockerSettings.CONNECT_TIMEOUT, "PT2S")));
        try (DockerSwarm swarm = DockerSwarm.connect(settings)) {
            assertThrows(SwarmUnavailableException.class, () -> swarm.joinTicket(SwarmRole.WORKER));
        }
    }

    /** A self-signed certificate and its key as PEM text: {certificate, key}. */
    private static String[] selfSignedPems() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        X500Name subject = new X500Name("CN=harbormaster-test");
        Instant now = Instant.now();
        var certificate = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), subject,
                keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate()));
        return new String[] {pem(certificate), pem(keys.getPrivate())};
    }

    private static String pem(Object value) throws Exception {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(value);
        }
        return text.toString();
    }
}
