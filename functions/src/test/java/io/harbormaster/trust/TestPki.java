package io.harbormaster.trust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * A PKI for tests shaped like IMDS's: a root, an intermediate, and a signing certificate named under
 * metadata.azure.com; it signs attested documents as IMDS does (only the leaf embedded).
 */
public final class TestPki {
    public static final String SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";
    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("MM/dd/yy HH:mm:ss '-0000'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();

    final KeyPair rootKeys = keys();
    final X509Certificate root;
    final KeyPair intermediateKeys = keys();
    final X509Certificate intermediate;
    final KeyPair signerKeys = keys();
    final X509Certificate signer;

    TestPki(String signerName) {
        root = certificate("CN=Test Root", rootKeys, "CN=Test Root", rootKeys.getPrivate(), true, null);
        intermediate = certificate("CN=Test Issuing CA", intermediateKeys, "CN=Test Root", rootKeys.getPrivate(), true, null);
        signer = certificate("CN=" + signerName, signerKeys, "CN=Test Issuing CA", intermediateKeys.getPrivate(), false,
                signerName);
    }

    public TestPki() {
        this("eastus.metadata.azure.com");
    }

    /** The trust setting's PEM: root and intermediate. */
    public String anchorsPem() {
        return pem(List.of(root, intermediate));
    }

    public TrustAnchors anchors() {
        return TrustAnchors.fromPem(anchorsPem());
    }

    /** The signed content as IMDS writes it. */
    public static ObjectNode content(String nonce, String vmId, String subscriptionId, Instant createdOn, Duration validity) {
        ObjectNode document = JSON.createObjectNode();
        document.put("nonce", nonce);
        document.set("plan", JSON.createObjectNode().put("name", "").put("product", "").put("publisher", ""));
        document.put("sku", "");
        document.put("subscriptionId", subscriptionId);
        document.set("timeStamp", JSON.createObjectNode()
                .put("createdOn", TIMESTAMP.format(createdOn))
                .put("expiresOn", TIMESTAMP.format(createdOn.plus(validity))));
        document.put("vmId", vmId);
        return document;
    }

    /** {"encoding":"pkcs7","signature":...} over {@code content}, signed by this PKI's signer. */
    public JsonNode attested(JsonNode content) {
        return attested(content, signerKeys.getPrivate(), signer, false);
    }

    /**
     * Signs as Azure does when {@code azureStyle}: no signed attributes, and the digest algorithm named
     * sha256WithRSAEncryption (as Learn's sample decodes); else as BouncyCastle does by default.
     */
    static JsonNode attested(JsonNode content, PrivateKey key, X509Certificate certificate, boolean azureStyle) {
        try {
            DigestCalculatorProvider digests = new JcaDigestCalculatorProviderBuilder().build();
            if (azureStyle) {
                DigestCalculatorProvider plain = digests;
                digests = algorithm -> {
                    DigestCalculator sha256 = plain.get(algorithm);
                    return new DigestCalculator() {
                        @Override
                        public AlgorithmIdentifier getAlgorithmIdentifier() {
                            return new AlgorithmIdentifier(PKCSObjectIdentifiers.sha256WithRSAEncryption);
                        }

                        @Override
                        public java.io.OutputStream getOutputStream() {
                            return sha256.getOutputStream();
                        }

                        @Override
                        public byte[] getDigest() {
                            return sha256.getDigest();
                        }
                    };
                };
            }
            CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
            generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(digests)
                    .setDirectSignature(azureStyle)
                    .build(new JcaContentSignerBuilder("SHA256withRSA").build(key), certificate));
            generator.addCertificate(new JcaX509CertificateHolder(certificate));
            byte[] der = generator.generate(new CMSProcessableByteArray(
                    content.toString().getBytes(StandardCharsets.UTF_8)), true).getEncoded(ASN1Encoding.DER);
            return JSON.createObjectNode().put("encoding", "pkcs7").put("signature", Base64.getEncoder().encodeToString(der));
        } catch (Exception e) {
            throw new IllegalStateException("could not sign", e);
        }
    }

    static KeyPair keys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static X509Certificate certificate(String subject, KeyPair keys, String issuer, PrivateKey issuerKey, boolean ca,
            String dnsName) {
        try {
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Principal(issuer),
                    new BigInteger(64, RANDOM).add(BigInteger.ONE), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(365))), new X500Principal(subject), keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
            if (dnsName != null) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.dNSName, dnsName)));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKey)));
        } catch (Exception e) {
            throw new IllegalStateException("could not issue " + subject, e);
        }
    }

    static String pem(List<X509Certificate> certificates) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (X509Certificate certificate : certificates) {
                writer.writeObject(certificate);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }
}
