package io.harbormaster.emulator.imds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.pki.EmulatorAuthority;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Learn, instance-metadata-service.md "Attested data", verified as its Linux sample does, in Java. */
class ImdsAttestedDocumentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("MM/dd/yy HH:mm:ss '-0000'");
    private ImdsTestServer imds;

    @BeforeEach
    void start() throws Exception {
        imds = new ImdsTestServer();
    }

    @AfterEach
    void stop() {
        imds.close();
    }

    /** Checks the signature with the embedded certificate, then that certificate's chain to the pinned root. */
    private static JsonNode verified(String answer) throws Exception {
        JsonNode body = JSON.readTree(answer);
        assertEquals("pkcs7", body.path("encoding").asText());
        CMSSignedData signed = new CMSSignedData(Base64.getDecoder().decode(body.path("signature").asText()));
        Collection<X509CertificateHolder> embedded = signed.getCertificates().getMatches(null);
        assertEquals(1, embedded.size(), "only the signing certificate travels, as in Learn's sample");
        X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(embedded.iterator().next());
        SignerInformation signer = signed.getSignerInfos().getSigners().iterator().next();
        assertTrue(signer.verify(new JcaSimpleSignerInfoVerifierBuilder().build(leaf)), "signature");
        assertTrue(List.of("1.2.840.113549.1.1.1", "1.2.840.113549.1.1.11").contains(signer.getEncryptionAlgOID()),
                "RSA: " + signer.getEncryptionAlgOID());
        assertEquals("2.16.840.1.101.3.4.2.1", signer.getDigestAlgOID(), "SHA-256");

        EmulatorAuthority authority = ImdsTestServer.authority();
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        X509Certificate intermediate;
        X509Certificate root;
        try (InputStream in = Files.newInputStream(authority.intermediatePem())) {
            intermediate = (X509Certificate) x509.generateCertificate(in);
        }
        try (InputStream in = Files.newInputStream(authority.rootPem())) {
            root = (X509Certificate) x509.generateCertificate(in);
        }
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(x509.generateCertPath(List.of(leaf, intermediate)), parameters);
        List<String> names = new ArrayList<>();
        leaf.getSubjectAlternativeNames().forEach(name -> names.add((String) name.get(1)));
        assertTrue(names.stream().allMatch(name -> name.equals("metadata.azure.com") || name.endsWith(".metadata.azure.com")), names.toString());

        return JSON.readTree((byte[]) signed.getSignedContent().getContent());
    }

    @Test
    void theSignedDocumentCarriesTheNonceVmAndTimes() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        ImdsClient.Response response = imds.as("127.0.0.2").get("/metadata/attested/document?api-version=2021-02-01&nonce=1234567890");

        assertEquals(200, response.status());
        JsonNode document = verified(response.body());
        assertEquals("1234567890", document.path("nonce").asText());
        assertEquals(ImdsTestServer.VM0_ID, document.path("vmId").asText());
        assertEquals("11111111-2222-3333-4444-555555555555", document.path("subscriptionId").asText());
        assertEquals("", document.path("sku").asText());
        assertEquals("", document.at("/plan/publisher").asText());
        Instant createdOn = LocalDateTime.parse(document.at("/timeStamp/createdOn").asText(), STAMP).toInstant(ZoneOffset.UTC);
        Instant expiresOn = LocalDateTime.parse(document.at("/timeStamp/expiresOn").asText(), STAMP).toInstant(ZoneOffset.UTC);
        assertTrue(!createdOn.isBefore(before.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)) && !createdOn.isAfter(Instant.now()),
                createdOn.toString());
        assertEquals(AttestedDocuments.VALIDITY, Duration.between(createdOn, expiresOn));
    }

    @Test
    void withoutANonceTheCurrentUtcTimeIsTheNonce() throws Exception {
        Instant at = Instant.parse("2018-11-28T00:16:17Z");
        AttestedDocuments documents = new AttestedDocuments(ImdsTestServer.authority().imdsSigning(), Clock.fixed(at, ZoneOffset.UTC));

        JsonNode document = verified(documents.answer(FakeImdsBackend.vm("ss_0", ImdsTestServer.VM0_ID), null, "2021-02-01").toString());

        // Learn's verified example: nonce "20181128-001617", createdOn "11/28/18 00:16:17 -0000", expiresOn six hours on.
        assertEquals("20181128-001617", document.path("nonce").asText());
        assertEquals("11/28/18 00:16:17 -0000", document.at("/timeStamp/createdOn").asText());
        assertEquals("11/28/18 06:16:17 -0000", document.at("/timeStamp/expiresOn").asText());
        assertTrue(verified(imds.as("127.0.0.2").get("/metadata/attested/document?api-version=2021-02-01").body())
                .path("nonce").asText().matches("\\d{8}-\\d{6}"));
    }

    @Test
    void aBadNonceIsABadRequest() throws Exception {
        for (String nonce : List.of("123", "12345678901", "abcdefghij", "")) {
            ImdsClient.Response response = imds.as("127.0.0.2")
                    .get("/metadata/attested/document?api-version=2021-02-01&nonce=" + nonce);
            assertEquals(400, response.status(), nonce);
            assertTrue(response.body().contains("10-digit"), response.body());
        }
    }

    @Test
    void oldApiVersionsLeaveOutNewerFieldsAndTooOldOnesAreRefused() throws Exception {
        JsonNode document = verified(imds.as("127.0.0.2")
                .get("/metadata/attested/document?api-version=2018-10-01&nonce=0000000001").body());

        assertTrue(!document.has("subscriptionId") && !document.has("sku"), document.toString());
        assertEquals(400, imds.as("127.0.0.2").get("/metadata/attested/document?api-version=2018-04-02").status(),
                "attested data came in 2018-10-01");
    }

    @Test
    void signingTimeMedianOf100() {
        AttestedDocuments documents = new AttestedDocuments(ImdsTestServer.authority().imdsSigning(), Clock.systemUTC());
        VmMetadata vm = FakeImdsBackend.vm("ss_0", ImdsTestServer.VM0_ID);
        for (int i = 0; i < 20; i++) {
            documents.answer(vm, "1234567890", "2021-02-01");
        }
        long[] nanos = new long[100];
        for (int i = 0; i < nanos.length; i++) {
            long start = System.nanoTime();
            documents.answer(vm, "1234567890", "2021-02-01");
            nanos[i] = System.nanoTime() - start;
        }
        java.util.Arrays.sort(nanos);
        System.out.printf("attested document signing: median %.3f ms, p90 %.3f ms (100 runs after 20 warm-up)%n",
                nanos[50] / 1e6, nanos[90] / 1e6);
        assertTrue(nanos[50] < 1_000_000_000L);
    }
}
