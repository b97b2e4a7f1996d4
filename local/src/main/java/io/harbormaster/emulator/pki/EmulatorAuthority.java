package io.harbormaster.emulator.pki;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * The emulator's own certificate authority: a root, an intermediate, the IMDS attested-data signing certificate and a
 * TLS server certificate for localhost, created once in a folder and loaded from it afterwards.
 *
 * <p>The folder holds certificates as PEM ({@code root.pem}, {@code intermediate.pem}, {@code imds-signing.pem},
 * {@code tls-server.pem} = leaf then intermediate), private keys as unencrypted PKCS#8 PEM ({@code *.key}, mode 0600:
 * this is a dev-only authority, the file mode is its protection), and {@code truststore.p12}, a PKCS#12 trust store
 * holding the root for {@code -Djavax.net.ssl.trustStore}.
 */
public final class EmulatorAuthority {
    /** The trust store's password: it guards only the integrity of public certificates, so it is no secret. */
    public static final String TRUST_STORE_PASSWORD = "harbormaster-emulator";
    /** The IMDS signing certificate's subject: a subdomain of metadata.azure.com, as Learn says verifiers accept. */
    public static final String IMDS_SIGNING_DN = "CN=emulator.metadata.azure.com";

    private static final String ROOT = "root";
    private static final String INTERMEDIATE = "intermediate";
    private static final String IMDS_SIGNING = "imds-signing";
    private static final String TLS_SERVER = "tls-server";
    private static final String TRUST_STORE = "truststore.p12";

    private final Path folder;
    private final X509Certificate root;
    private final SigningIdentity intermediate;
    private final SigningIdentity imdsSigning;
    private final SigningIdentity tlsServer;

    private EmulatorAuthority(Path folder, X509Certificate root, SigningIdentity intermediate, SigningIdentity imdsSigning,
            SigningIdentity tlsServer) {
        this.folder = folder;
        this.root = root;
        this.intermediate = intermediate;
        this.imdsSigning = imdsSigning;
        this.tlsServer = tlsServer;
    }

    /** Loads the authority kept in {@code folder}, or creates it there (and the folder) if it holds none. */
    public static synchronized EmulatorAuthority loadOrCreate(Path folder) {
        try {
            if (Files.exists(folder.resolve(ROOT + ".key"))) {
                return load(folder);
            }
            Files.createDirectories(folder);
            return create(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("emulator authority in " + folder, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("emulator authority in " + folder, e);
        }
    }

    private static EmulatorAuthority create(Path folder) throws IOException, GeneralSecurityException {
        KeyPair rootKeys = Certificates.newKeyPair();
        X509Certificate root = Certificates.selfSigned("CN=Harbormaster Emulator Root CA,O=Harbormaster", rootKeys, Duration.ofDays(3650));
        KeyPair intermediateKeys = Certificates.newKeyPair();
        X509Certificate intermediate = Certificates.issue("CN=Harbormaster Emulator Issuing CA,O=Harbormaster", intermediateKeys.getPublic(),
                Certificates.Kind.PATH_LEN_ZERO_CA, Duration.ofDays(1825), List.of(), root, rootKeys.getPrivate());
        KeyPair signingKeys = Certificates.newKeyPair();
        // Learn's example SAN is "eastus.metadata.azure.com, metadata.azure.com"; ours names the emulator instead of a region.
        X509Certificate signing = Certificates.issue(IMDS_SIGNING_DN, signingKeys.getPublic(), Certificates.Kind.SIGNING, Duration.ofDays(397),
                List.of(new GeneralName(GeneralName.dNSName, "emulator.metadata.azure.com"),
                        new GeneralName(GeneralName.dNSName, "metadata.azure.com")),
                intermediate, intermediateKeys.getPrivate());
        KeyPair tlsKeys = Certificates.newKeyPair();
        X509Certificate tls = Certificates.issue("CN=localhost", tlsKeys.getPublic(), Certificates.Kind.TLS_SERVER, Duration.ofDays(397),
                List.of(new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                        new GeneralName(GeneralName.iPAddress, "::1")),
                intermediate, intermediateKeys.getPrivate());

        writeKey(folder.resolve(INTERMEDIATE + ".key"), intermediateKeys.getPrivate());
        writeKey(folder.resolve(IMDS_SIGNING + ".key"), signingKeys.getPrivate());
        writeKey(folder.resolve(TLS_SERVER + ".key"), tlsKeys.getPrivate());
        Files.writeString(folder.resolve(ROOT + ".pem"), Certificates.pem(List.of(root)));
        Files.writeString(folder.resolve(INTERMEDIATE + ".pem"), Certificates.pem(List.of(intermediate)));
        Files.writeString(folder.resolve(IMDS_SIGNING + ".pem"), Certificates.pem(List.of(signing)));
        Files.writeString(folder.resolve(TLS_SERVER + ".pem"), Certificates.pem(List.of(tls, intermediate)));
        writeTrustStore(folder, folder.resolve(TRUST_STORE), root, List.of());
        // Written last: its presence is what loadOrCreate takes for a complete authority.
        writeKey(folder.resolve(ROOT + ".key"), rootKeys.getPrivate());
        return new EmulatorAuthority(folder, root,
                new SigningIdentity(intermediateKeys.getPrivate(), List.of(intermediate)),
                new SigningIdentity(signingKeys.getPrivate(), List.of(signing, intermediate)),
                new SigningIdentity(tlsKeys.getPrivate(), List.of(tls, intermediate)));
    }

    private static EmulatorAuthority load(Path folder) throws IOException, GeneralSecurityException {
        X509Certificate root = readCertificates(folder.resolve(ROOT + ".pem")).get(0);
        X509Certificate intermediate = readCertificates(folder.resolve(INTERMEDIATE + ".pem")).get(0);
        X509Certificate signing = readCertificates(folder.resolve(IMDS_SIGNING + ".pem")).get(0);
        List<X509Certificate> tls = readCertificates(folder.resolve(TLS_SERVER + ".pem"));
        return new EmulatorAuthority(folder, root,
                new SigningIdentity(readKey(folder.resolve(INTERMEDIATE + ".key")), List.of(intermediate)),
                new SigningIdentity(readKey(folder.resolve(IMDS_SIGNING + ".key")), List.of(signing, intermediate)),
                new SigningIdentity(readKey(folder.resolve(TLS_SERVER + ".key")), tls));
    }

    /** The folder this authority lives in. */
    public Path folder() {
        return folder;
    }

    public X509Certificate rootCertificate() {
        return root;
    }

    public X509Certificate intermediateCertificate() {
        return intermediate.certificate();
    }

    /** PEM of the root, for verifiers that pin it. */
    public Path rootPem() {
        return folder.resolve(ROOT + ".pem");
    }

    /** PEM of the intermediate: verifiers supply it themselves, as the signature carries only the leaf. */
    public Path intermediatePem() {
        return folder.resolve(INTERMEDIATE + ".pem");
    }

    /** The attested-data signing key; its chain is the leaf then the intermediate. */
    public SigningIdentity imdsSigning() {
        return imdsSigning;
    }

    /** The localhost TLS key; its chain is the leaf then the intermediate, as a server sends it. */
    public SigningIdentity tlsServer() {
        return tlsServer;
    }

    /** PEM of the localhost TLS certificate then the intermediate, for servers that are not in this JVM (Azurite's --cert). */
    public Path tlsServerPem() {
        return folder.resolve(TLS_SERVER + ".pem");
    }

    /** The localhost TLS key as PKCS#8 PEM (Azurite's --key); mode 0600. */
    public Path tlsServerKey() {
        return folder.resolve(TLS_SERVER + ".key");
    }

    /** PKCS#12 trust store holding the root; its password is {@link #TRUST_STORE_PASSWORD}. */
    public Path trustStore() {
        return folder.resolve(TRUST_STORE);
    }

    /** For an HTTPS server (e.g. {@code HttpsServer.setHttpsConfigurator}) presenting the localhost certificate. */
    public SSLContext serverSslContext() {
        try {
            char[] password = randomPassword();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry(TLS_SERVER, tlsServer.key(), password, tlsServer.chain().toArray(X509Certificate[]::new));
            KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            managers.init(keys, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(managers.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("server SSLContext", e);
        }
    }

    /**
     * A PKCS#12 trust store ({@link #TRUST_STORE_PASSWORD}) for the function app's JVM: this authority's root plus
     * {@code alsoTrusted} (the local services' CA: Azurite runs over https with it), rewritten on each call.
     */
    public Path appTrustStore(List<X509Certificate> alsoTrusted) {
        Path path = folder.resolve("app-" + TRUST_STORE);
        try {
            writeTrustStore(folder, path, root, alsoTrusted);
            return path;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot write the app's trust store " + path, e);
        }
    }

    /** A PKCS#12 trust store of {@code root} and {@code alsoTrusted}, written whole (through a file beside it). */
    private static void writeTrustStore(Path folder, Path path, X509Certificate root, List<X509Certificate> alsoTrusted)
            throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("harbormaster-emulator-root", root);
        for (int i = 0; i < alsoTrusted.size(); i++) {
            trust.setCertificateEntry("also-trusted-" + i, alsoTrusted.get(i));
        }
        Path tmp = Files.createTempFile(folder, path.getFileName().toString(), ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            trust.store(out, TRUST_STORE_PASSWORD.toCharArray());
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** For a client that trusts this authority's root, and nothing else. */
    public SSLContext clientSslContext() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(trustStore())) {
                trust.load(in, TRUST_STORE_PASSWORD.toCharArray());
            }
            TrustManagerFactory managers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            managers.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, managers.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("client SSLContext", e);
        }
    }

    private static char[] randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes).toCharArray();
    }

    private static void writeKey(Path file, PrivateKey key) throws IOException {
        // Created 0600 from the start, so the key is never readable by others, not even for a moment.
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Files.writeString(file, pem, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
        String base64 = Files.readString(file).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    private static List<X509Certificate> readCertificates(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = new ArrayList<>();
            for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
            return certificates;
        }
    }
}
