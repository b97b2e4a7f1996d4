package io.harbormaster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class TlsMaterialTest {
    static String certificatePem(Instant notAfter) throws Exception {
        KeyPair keys = KeyPairGenerator.getInstance("EC").generateKeyPair();
        X500Principal name = new X500Principal("CN=harbormaster-control-plane");
        var holder = new JcaX509v3CertificateBuilder(name, BigInteger.TEN, Date.from(notAfter.minus(90, ChronoUnit.DAYS)),
                Date.from(notAfter), name, keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(new JcaX509CertificateConverter().getCertificate(holder));
        }
        return text.toString();
    }

    @Test
    void theClientCertificatesExpiryIsReadAndNothingElseLeaves() throws Exception {
        Instant notAfter = Instant.parse("2027-03-01T12:00:00Z");
        TlsMaterial material = new TlsMaterial("ca", certificatePem(notAfter), "-----BEGIN PRIVATE KEY-----\nsecret\n");
        assertEquals(notAfter, material.clientCertificateNotAfter());
        assertFalse(material.toString().contains("secret"));
    }

    @Test
    void aCertificateThatIsNotOneIsRefusedNamingItsSettingWithoutQuotingIt() {
        TlsMaterial material = new TlsMaterial("ca", "-----BEGIN CERTIFICATE-----\nc2VjcmV0\n-----END CERTIFICATE-----\n", "k");
        InvalidSettingException e = assertThrows(InvalidSettingException.class, material::clientCertificateNotAfter);
        assertEquals(DockerSettings.TLS_CERT, e.setting());
        assertFalse(e.getMessage().contains("c2VjcmV0"), e.getMessage());
    }
}
