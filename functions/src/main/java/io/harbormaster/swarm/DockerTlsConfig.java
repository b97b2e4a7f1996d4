package io.harbormaster.swarm;

import com.github.dockerjava.core.SSLConfig;
import com.github.dockerjava.core.util.CertificateUtils;
import io.harbormaster.config.DockerSettings;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.config.TlsMaterial;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import java.security.KeyStore;
import java.security.Security;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Mutual TLS for the managers' Docker API, built from PEM text held in app settings rather than files. */
final class DockerTlsConfig implements SSLConfig {
    // CertificateUtils protects the key store it builds with this fixed password.
    private static final char[] KEY_STORE_PASSWORD = "docker".toCharArray();

    private final SSLContext context;

    private DockerTlsConfig(SSLContext context) {
        this.context = context;
    }

    /** Parses the material once, at startup, so a bad certificate names its setting instead of failing a call. */
    static DockerTlsConfig from(TlsMaterial material) {
        // CertificateUtils parses through BouncyCastle by provider name; docker-java registers it only for cert folders.
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            Security.addProvider(new BouncyCastleProvider());
        }
        KeyStore trustStore = parse(DockerSettings.TLS_CA, "a PEM CA certificate",
                () -> CertificateUtils.createTrustStore(material.caPem()));
        parse(DockerSettings.TLS_KEY, "a PEM private key (PKCS#1 or PKCS#8)",
                () -> CertificateUtils.loadPrivateKey(material.privateKeyPem()));
        KeyStore keyStore = parse(DockerSettings.TLS_CERT, "a PEM client certificate matching the key",
                () -> CertificateUtils.createKeyStore(material.privateKeyPem(), material.certificatePem()));
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(keyStore, KEY_STORE_PASSWORD);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustStore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return new DockerTlsConfig(context);
        } catch (java.security.GeneralSecurityException e) {
            throw new InvalidSettingException(DockerSettings.TLS_CERT,
                    "could not be used for TLS (" + e.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public SSLContext getSSLContext() {
        return context;
    }

    private interface Parse<T> {
        T run() throws Exception;
    }

    private static <T> T parse(String setting, String expected, Parse<T> parse) {
        try {
            T value = parse.run();
            if (value == null) {
                throw new IllegalArgumentException("empty");
            }
            return value;
        } catch (Exception e) {
            // The exception text may quote the PEM it choked on, so only its type is kept.
            throw new InvalidSettingException(setting, "could not be read: expected " + expected
                    + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
