package io.harbormaster.config;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;

/** PEM text of the CA that signed the managers' certificates, and of our client certificate and key. */
public record TlsMaterial(String caPem, String certificatePem, String privateKeyPem) {
    /**
     * When our client certificate (the first in {@link #certificatePem}) expires; after that the managers refuse the
     * control plane. Only the date leaves here, never the certificate.
     *
     * @throws InvalidSettingException naming {@link DockerSettings#TLS_CERT} when it is not an X.509 certificate
     */
    public Instant clientCertificateNotAfter() {
        try {
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)));
            return certificate.getNotAfter().toInstant();
        } catch (CertificateException | ClassCastException e) {
            // The exception text may quote the PEM, so only its type is kept.
            throw new InvalidSettingException(DockerSettings.TLS_CERT,
                    "could not be read: expected a PEM client certificate (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Key material must never reach a log line, so it is left out here. */
    @Override
    public String toString() {
        return "TlsMaterial[<redacted>]";
    }
}
