package io.harbormaster.trust;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.trust.TrustRefusal.Kind;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedData;

/**
 * Verifies an IMDS attested document, {@code {"encoding":"pkcs7","signature":"<base64 DER>"}}: the PKCS#7 signature
 * (BouncyCastle's CMS), the signer's name (a subdomain of the cloud's metadata domain), its chain to the trust
 * anchors, the subscription and the validity period. The nonce and the vmId are the caller's to check.
 */
public final class AttestationVerifier {
    /** How far our clock and Azure's may disagree. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(2);
    /** A chain once validated is trusted again for this long (or until the signer expires): it is the costly part. */
    static final Duration CHAIN_CACHE = Duration.ofHours(1);
    /** The attested JSON is a few kB; anything far larger is not one. */
    static final int MAX_DOCUMENT_CHARS = 32 * 1024;
    /** Learn's examples: "11/28/18 00:16:17 -0000". */
    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("MM/dd/yy HH:mm:ss xx", Locale.ROOT);

    private static final ObjectMapper JSON = new ObjectMapper();
    private final TrustAnchors anchors;
    private final String signerDomain;
    private final String subscriptionId;
    private final Clock clock;
    // Signer certificate fingerprint -> until when its validated chain is trusted without building it again.
    private final Map<String, Instant> validatedChains = new ConcurrentHashMap<>();

    /**
     * @param signerDomain   the metadata domain of the cloud ({@code metadata.azure.com}); the signer must be named by a
     *                       subdomain of it
     * @param subscriptionId ours: a document of another subscription is refused
     */
    public AttestationVerifier(TrustAnchors anchors, String signerDomain, String subscriptionId, Clock clock) {
        this.anchors = anchors;
        this.signerDomain = signerDomain.toLowerCase(Locale.ROOT);
        this.subscriptionId = subscriptionId;
        this.clock = clock;
    }

    /**
     * The document's content once every check passed.
     *
     * @throws TrustRefusal MALFORMED, BAD_SIGNATURE, UNTRUSTED_SIGNER, WRONG_SUBSCRIPTION or EXPIRED
     */
    public AttestedDocument verify(JsonNode attested) {
        byte[] der = signature(attested);
        CMSSignedData signed;
        try {
            signed = new CMSSignedData(der);
        } catch (CMSException | RuntimeException e) {
            throw refused(Kind.MALFORMED, "the signature is not a PKCS#7 SignedData", null);
        }
        if (signed.getSignedContent() == null || !(signed.getSignedContent().getContent() instanceof byte[] content)) {
            throw refused(Kind.MALFORMED, "the PKCS#7 carries no document", null);
        }
        // Read first, so that every later refusal can name the vmId the caller claims.
        AttestedDocument document = content(content);
        String claimed = "vmId " + document.vmId();
        X509Certificate signer = ImdsSignature.verify(signed, claimed);
        checkSignerName(signer, claimed);
        checkChain(signer, claimed);
        if (!subscriptionId.equalsIgnoreCase(document.subscriptionId())) {
            throw refused(Kind.WRONG_SUBSCRIPTION, "the document is of subscription " + document.subscriptionId()
                    + ", not this cluster's", claimed);
        }
        Instant now = clock.instant();
        if (!now.isBefore(document.expiresOn().plus(CLOCK_SKEW)) || document.createdOn().isAfter(now.plus(CLOCK_SKEW))) {
            throw refused(Kind.EXPIRED, "the document is valid from " + document.createdOn() + " to "
                    + document.expiresOn() + ", and it is " + now, claimed);
        }
        return document;
    }

    private static byte[] signature(JsonNode attested) {
        if (attested == null || !attested.isObject()) {
            throw refused(Kind.MALFORMED, "the attestation must be IMDS's JSON object {\"encoding\":\"pkcs7\",\"signature\":...}", null);
        }
        JsonNode encoding = attested.get("encoding");
        JsonNode signature = attested.get("signature");
        if (encoding == null || !"pkcs7".equals(encoding.asText()) || signature == null || !signature.isTextual()) {
            throw refused(Kind.MALFORMED, "the attestation must have \"encoding\":\"pkcs7\" and a base64 \"signature\"", null);
        }
        if (signature.asText().length() > MAX_DOCUMENT_CHARS) {
            throw refused(Kind.MALFORMED, "the signature is longer than an attested document's", null);
        }
        try {
            // IMDS's base64 may be wrapped; the MIME decoder skips line breaks.
            return Base64.getMimeDecoder().decode(signature.asText());
        } catch (IllegalArgumentException e) {
            throw refused(Kind.MALFORMED, "the signature is not base64", null);
        }
    }

    /** Learn: the certificate may not match the domain exactly, so any subdomain of it is accepted, by CN or SAN. */
    private void checkSignerName(X509Certificate signer, String claimed) {
        List<String> names = new ArrayList<>();
        try {
            X500Name subject = X500Name.getInstance(signer.getSubjectX500Principal().getEncoded());
            for (RDN rdn : subject.getRDNs(BCStyle.CN)) {
                names.add(IETFUtils.valueToString(rdn.getFirst().getValue()));
            }
            if (signer.getSubjectAlternativeNames() != null) {
                for (List<?> name : signer.getSubjectAlternativeNames()) {
                    if (Integer.valueOf(2).equals(name.get(0))) { // dNSName
                        names.add(String.valueOf(name.get(1)));
                    }
                }
            }
        } catch (GeneralSecurityException e) {
            throw refused(Kind.UNTRUSTED_SIGNER, "the signer's names cannot be read", claimed);
        }
        String suffix = "." + signerDomain;
        boolean named = names.stream().map(name -> name.toLowerCase(Locale.ROOT))
                .anyMatch(name -> name.endsWith(suffix) && !name.substring(0, name.length() - suffix.length()).contains("*"));
        if (!named) {
            throw refused(Kind.UNTRUSTED_SIGNER, "the signer " + names + " is not a subdomain of " + signerDomain, claimed);
        }
    }

    private void checkChain(X509Certificate signer, String claimed) {
        Instant now = clock.instant();
        String fingerprint = fingerprint(signer);
        Instant trustedUntil = validatedChains.get(fingerprint);
        if (trustedUntil != null && now.isBefore(trustedUntil)) {
            return;
        }
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(signer);
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors.anchors(), target);
            List<X509Certificate> pool = new ArrayList<>(anchors.intermediates());
            pool.add(signer);
            parameters.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(pool)));
            // No CRL or OCSP: fetching them would put Microsoft's PKI endpoints on every cold join's path. The signing
            // certificates are short-lived, and the pinned intermediates are what we trust (see README).
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(now));
            CertPathBuilder.getInstance("PKIX").build(parameters);
        } catch (GeneralSecurityException e) {
            throw refused(Kind.UNTRUSTED_SIGNER, "the signer " + signer.getSubjectX500Principal().getName()
                    + " does not chain to a trusted root through the pinned intermediates", claimed);
        }
        Instant until = now.plus(CHAIN_CACHE);
        Instant notAfter = signer.getNotAfter().toInstant();
        validatedChains.put(fingerprint, until.isBefore(notAfter) ? until : notAfter);
    }

    private static AttestedDocument content(byte[] content) {
        JsonNode document;
        try {
            document = JSON.readTree(new String(content, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw refused(Kind.MALFORMED, "the signed document is not JSON", null);
        }
        if (document == null || !document.isObject()) {
            throw refused(Kind.MALFORMED, "the signed document is not a JSON object", null);
        }
        JsonNode timeStamp = document.path("timeStamp");
        JsonNode plan = document.path("plan");
        return new AttestedDocument(
                text(document, "nonce"),
                text(document, "vmId"),
                text(document, "subscriptionId"),
                instant(timeStamp, "createdOn"),
                instant(timeStamp, "expiresOn"),
                new AttestedDocument.Plan(plan.path("name").asText(""), plan.path("product").asText(""),
                        plan.path("publisher").asText("")),
                document.path("sku").asText(""),
                document.path("licenseType").asText(""));
    }

    private static String text(JsonNode document, String field) {
        JsonNode value = document.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw refused(Kind.MALFORMED, "the signed document has no " + field
                    + (field.equals("subscriptionId") ? " (IMDS api-version 2019-04-30 or later adds it)" : ""), null);
        }
        return value.asText();
    }

    private static Instant instant(JsonNode timeStamp, String field) {
        try {
            return java.time.OffsetDateTime.parse(text(timeStamp, field), TIMESTAMP).toInstant();
        } catch (DateTimeParseException e) {
            throw refused(Kind.MALFORMED, "timeStamp." + field + " is not like 11/28/18 00:16:17 -0000", null);
        }
    }

    private static String fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    private static TrustRefusal refused(Kind kind, String message, String claimed) {
        return new TrustRefusal(kind, message, claimed);
    }
}
