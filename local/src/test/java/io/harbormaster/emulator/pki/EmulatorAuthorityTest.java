package io.harbormaster.emulator.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyStore;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmulatorAuthorityTest {
    @TempDir
    static Path folder;
    private static EmulatorAuthority authority;

    @BeforeAll
    static void create() {
        authority = EmulatorAuthority.loadOrCreate(folder.resolve("pki"));
    }

    @Test
    void theAppTrustStoreHoldsTheRootAndWhatElseTheAppMustTrust() throws Exception {
        EmulatorAuthority other = EmulatorAuthority.loadOrCreate(folder.resolve("other-pki"));
        Path path = authority.appTrustStore(List.of(other.rootCertificate()));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(path)) {
            trust.load(in, EmulatorAuthority.TRUST_STORE_PASSWORD.toCharArray());
        }
        List<java.security.cert.Certificate> held = java.util.Collections.list(trust.aliases()).stream()
                .map(alias -> {
                    try {
                        return trust.getCertificate(alias);
                    } catch (java.security.KeyStoreException e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
        assertEquals(2, held.size());
        assertTrue(held.contains(authority.rootCertificate()));
        assertTrue(held.contains(other.rootCertificate()));
        // The authority's own trust store still trusts its root alone.
        KeyStore own = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(authority.trustStore())) {
            own.load(in, EmulatorAuthority.TRUST_STORE_PASSWORD.toCharArray());
        }
        assertEquals(1, own.size());
    }

    @Test
    void keysAreReadableByTheOwnerOnlyAndCertificatesArePem() throws Exception {
        for (String key : List.of("root.key", "intermediate.key", "imds-signing.key", "tls-server.key")) {
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(authority.folder().resolve(key)), key);
        }
        assertTrue(Files.readString(authority.rootPem()).startsWith("-----BEGIN CERTIFICATE-----"));
        assertTrue(Files.readString(authority.intermediatePem()).startsWith("-----BEGIN CERTIFICATE-----"));
        assertTrue(authority.imdsSigning().toString().contains("metadata.azure.com"));
        assertTrue(!authority.imdsSigning().toString().contains("PRIVATE"), "no key in toString");
    }

    @Test
    void loadingAgainGivesTheSameAuthority() {
        EmulatorAuthority again = EmulatorAuthority.loadOrCreate(folder.resolve("pki"));

        assertEquals(authority.rootCertificate(), again.rootCertificate());
        assertEquals(authority.imdsSigning().certificate(), again.imdsSigning().certificate());
        assertEquals(authority.imdsSigning().key(), again.imdsSigning().key());
        assertEquals(authority.tlsServer().chain(), again.tlsServer().chain());
    }

    @Test
    void everyLeafChainsToTheRootThroughTheIntermediate() throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(authority.rootCertificate(), null)));
        parameters.setRevocationEnabled(false);
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        for (SigningIdentity leaf : List.of(authority.imdsSigning(), authority.tlsServer())) {
            CertPathValidator.getInstance("PKIX").validate(x509.generateCertPath(leaf.chain()), parameters);
        }
        X509Certificate signing = authority.imdsSigning().certificate();
        assertEquals("CN=emulator.metadata.azure.com", signing.getSubjectX500Principal().getName());
        assertEquals(-1, signing.getBasicConstraints(), "a leaf, not a CA");
        assertEquals(0, authority.intermediateCertificate().getBasicConstraints());
    }

    @Test
    void theTrustStoreLetsAPlainHttpClientCallTheTlsServer() throws Exception {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(authority.serverSslContext()));
        server.createContext("/", exchange -> {
            byte[] body = "hello over tls".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            // Exactly what -Djavax.net.ssl.trustStore=<file> -Djavax.net.ssl.trustStorePassword=<password> would load.
            KeyStore trust = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(authority.trustStore())) {
                trust.load(in, EmulatorAuthority.TRUST_STORE_PASSWORD.toCharArray());
            }
            TrustManagerFactory managers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            managers.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, managers.getTrustManagers(), null);
            int port = server.getAddress().getPort();

            for (String host : List.of("127.0.0.1", "localhost")) {
                HttpResponse<String> response = HttpClient.newBuilder().sslContext(context).build().send(
                        HttpRequest.newBuilder(URI.create("https://" + host + ":" + port + "/")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals("hello over tls", response.body(), host);
            }
            assertEquals(200, HttpClient.newBuilder().sslContext(authority.clientSslContext()).build().send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            // The JVM's default trust does not know our root: the trust store is what makes the call work.
            assertThrows(SSLHandshakeException.class, () -> HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        } finally {
            server.stop(0);
        }
    }
}
