package io.harbormaster.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttestationVerifierTest {
    private static final TestPki PKI = new TestPki();
    private static final String VM = "02aab8a4-74ef-476e-8182-f6d2ba4166a6";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final MutableClock clock = new MutableClock(now);

    private AttestationVerifier verifier() {
        return new AttestationVerifier(PKI.anchors(), "metadata.azure.com", TestPki.SUBSCRIPTION, clock);
    }

    private JsonNode document(String subscription, Instant createdOn, Duration validity) {
        return PKI.attested(TestPki.content("1234567890", VM, subscription, createdOn, validity));
    }

    @Test
    void aDocumentSignedByTheTrustedSignerIsRead() {
        AttestedDocument document = verifier().verify(document(TestPki.SUBSCRIPTION, now, Duration.ofHours(6)));
        assertEquals("1234567890", document.nonce());
        assertEquals(VM, document.vmId());
        assertEquals(TestPki.SUBSCRIPTION, document.subscriptionId());
        assertEquals(now, document.createdOn());
        assertEquals(now.plus(Duration.ofHours(6)), document.expiresOn());
        assertEquals("", document.sku());
    }

    @Test
    void azuresOwnShapeVerifiesToo() {
        // No signed attributes, digest algorithm named sha256WithRSAEncryption: what Learn's sample decodes to.
        JsonNode attested = TestPki.attested(TestPki.content("1234567890", VM, TestPki.SUBSCRIPTION, now, Duration.ofHours(6)),
                PKI.signerKeys.getPrivate(), PKI.signer, true);
        assertEquals(VM, verifier().verify(attested).vmId());
    }

    @Test
    void aSignatureByAnotherKeyIsRefused() {
        KeyPair other = TestPki.keys();
        JsonNode forged = TestPki.attested(TestPki.content("1234567890", VM, TestPki.SUBSCRIPTION, now, Duration.ofHours(6)),
                other.getPrivate(), PKI.signer, false);
        assertKind(TrustRefusal.Kind.BAD_SIGNATURE, forged);
    }

    @Test
    void changedContentIsRefused() {
        JsonNode genuine = document(TestPki.SUBSCRIPTION, now, Duration.ofHours(6));
        byte[] der = Base64.getDecoder().decode(genuine.get("signature").asText());
        byte[] vmId = VM.getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(der, vmId);
        assertTrue(at > 0, "the DER holds the document as is");
        der[at] = (byte) (der[at] == '0' ? '1' : '0');
        JsonNode tampered = JSON.createObjectNode().put("encoding", "pkcs7")
                .put("signature", Base64.getEncoder().encodeToString(der));
        assertKind(TrustRefusal.Kind.BAD_SIGNATURE, tampered);
    }

    @Test
    void aLookAlikeSignerOfAnotherPkiIsRefused() {
        TestPki impostor = new TestPki();
        assertKind(TrustRefusal.Kind.UNTRUSTED_SIGNER,
                impostor.attested(TestPki.content("1234567890", VM, TestPki.SUBSCRIPTION, now, Duration.ofHours(6))));
    }

    @Test
    void aSignerNotUnderTheMetadataDomainIsRefusedEvenWhenItChains() {
        TestPki other = new TestPki("metadata.azure.com.example.net");
        AttestationVerifier trustingIt = new AttestationVerifier(other.anchors(), "metadata.azure.com", TestPki.SUBSCRIPTION,
                clock);
        TrustRefusal refusal = assertThrows(TrustRefusal.class, () -> trustingIt.verify(
                other.attested(TestPki.content("1234567890", VM, TestPki.SUBSCRIPTION, now, Duration.ofHours(6)))));
        assertEquals(TrustRefusal.Kind.UNTRUSTED_SIGNER, refusal.kind());
    }

    @Test
    void eachCloudHasItsOwnSignerDomain() {
        AttestationVerifier government = new AttestationVerifier(PKI.anchors(), "metadata.azure.us", TestPki.SUBSCRIPTION,
                clock);
        TrustRefusal refusal = assertThrows(TrustRefusal.class,
                () -> government.verify(document(TestPki.SUBSCRIPTION, now, Duration.ofHours(6))));
        assertEquals(TrustRefusal.Kind.UNTRUSTED_SIGNER, refusal.kind());
    }

    @Test
    void withoutThePinnedIntermediateTheChainDoesNotBuild() {
        AttestationVerifier rootOnly = new AttestationVerifier(new TrustAnchors(List.of(PKI.root), List.of()),
                "metadata.azure.com", TestPki.SUBSCRIPTION, clock);
        TrustRefusal refusal = assertThrows(TrustRefusal.class,
                () -> rootOnly.verify(document(TestPki.SUBSCRIPTION, now, Duration.ofHours(6))));
        assertEquals(TrustRefusal.Kind.UNTRUSTED_SIGNER, refusal.kind());
    }

    @Test
    void anotherSubscriptionIsRefused() {
        assertKind(TrustRefusal.Kind.WRONG_SUBSCRIPTION,
                document("99999999-2222-3333-4444-555555555555", now, Duration.ofHours(6)));
    }

    @Test
    void anExpiredDocumentIsRefused() {
        assertKind(TrustRefusal.Kind.EXPIRED, document(TestPki.SUBSCRIPTION, now.minus(Duration.ofHours(7)), Duration.ofHours(6)));
    }

    @Test
    void aDocumentFromTheFutureIsRefused() {
        assertKind(TrustRefusal.Kind.EXPIRED, document(TestPki.SUBSCRIPTION, now.plus(Duration.ofMinutes(10)), Duration.ofHours(6)));
    }

    @Test
    void aDocumentExpiresWhileTheClockMoves() {
        JsonNode attested = document(TestPki.SUBSCRIPTION, now, Duration.ofSeconds(45));
        verifier().verify(attested);
        clock.advance(Duration.ofSeconds(45).plus(AttestationVerifier.CLOCK_SKEW));
        assertKind(TrustRefusal.Kind.EXPIRED, attested);
    }

    @Test
    void malformedAttestationsAreRefusedAsSuch() {
        assertKind(TrustRefusal.Kind.MALFORMED, JSON.createArrayNode());
        assertKind(TrustRefusal.Kind.MALFORMED, JSON.createObjectNode().put("encoding", "jws").put("signature", "AAAA"));
        assertKind(TrustRefusal.Kind.MALFORMED, JSON.createObjectNode().put("encoding", "pkcs7").put("signature", "!!!"));
        assertKind(TrustRefusal.Kind.MALFORMED, JSON.createObjectNode().put("encoding", "pkcs7").put("signature",
                Base64.getEncoder().encodeToString("not der".getBytes(StandardCharsets.US_ASCII))));
        JsonNode notJson = TestPki.attested(JSON.getNodeFactory().textNode("x"), PKI.signerKeys.getPrivate(), PKI.signer,
                false);
        assertKind(TrustRefusal.Kind.MALFORMED, notJson);
    }

    @Test
    void trustAnchorsSplitRootsFromIntermediates() {
        TrustAnchors anchors = TrustAnchors.fromPem(PKI.anchorsPem());
        assertEquals(List.of(PKI.root), anchors.roots());
        assertEquals(List.<X509Certificate>of(PKI.intermediate), anchors.intermediates());
        assertThrows(IllegalArgumentException.class, () -> TrustAnchors.fromPem(TestPki.pem(List.of(PKI.intermediate))));
        assertThrows(IllegalArgumentException.class, () -> TrustAnchors.fromPem("-----BEGIN CERTIFICATE-----\nAAAA\n"));
    }

    private void assertKind(TrustRefusal.Kind kind, JsonNode attested) {
        TrustRefusal refusal = assertThrows(TrustRefusal.class, () -> verifier().verify(attested));
        assertEquals(kind, refusal.kind(), refusal.getMessage());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
