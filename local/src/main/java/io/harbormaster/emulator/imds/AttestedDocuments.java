package io.harbormaster.emulator.imds;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.harbormaster.emulator.pki.SigningIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * Signs {@code /metadata/attested/document} answers (Learn, instance-metadata-service.md "Attested data"): a PKCS#7
 * SignedData, SHA256withRSA, the JSON document encapsulated, and only the signing certificate embedded, as in Learn's
 * sample signature; verifiers fetch the intermediate themselves.
 */
public final class AttestedDocuments {
    /** Learn's verified example: createdOn 00:16:17, expiresOn 06:16:17. (Its other two examples show 5 s and 45 s.) */
    public static final Duration VALIDITY = Duration.ofHours(6);
    /** "11/28/18 00:16:17 -0000", Learn's timeStamp format. */
    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("MM/dd/yy HH:mm:ss '-0000'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    /** "20181128-001617": the nonce Learn's example shows when none was given ("IMDS uses the current UTC timestamp"). */
    static final DateTimeFormatter DEFAULT_NONCE = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final SigningIdentity signer;
    private final Clock clock;

    /** Signs with {@code signer} (e.g. {@code EmulatorAuthority.imdsSigning()}), stamping times from {@code clock}. */
    public AttestedDocuments(SigningIdentity signer, Clock clock) {
        this.signer = signer;
        this.clock = clock;
    }

    /** A nonce as Learn describes the parameter: "A 10-digit string". */
    static boolean validNonce(String nonce) {
        return nonce.matches("[0-9]{10}");
    }

    /** The answer body {@code {"encoding":"pkcs7","signature":"..."}}; {@code nonce} null means none was given. */
    ObjectNode answer(VmMetadata vm, String nonce, String apiVersion) {
        Instant now = clock.instant();
        byte[] content = document(vm, nonce == null ? DEFAULT_NONCE.format(now) : nonce, now, apiVersion)
                .toString().getBytes(StandardCharsets.UTF_8);
        return JsonNodeFactory.instance.objectNode()
                .put("encoding", "pkcs7")
                .put("signature", Base64.getEncoder().encodeToString(sign(content)));
    }

    /** The signed content, keys in the order of Learn's example; fields newer than the api-version left out. */
    static ObjectNode document(VmMetadata vm, String nonce, Instant createdOn, String apiVersion) {
        ObjectNode document = JsonNodeFactory.instance.objectNode();
        document.put("nonce", nonce);
        // Learn: plan is populated "only for Azure Marketplace images"; the emulated VMs are not.
        document.set("plan", JsonNodeFactory.instance.objectNode().put("name", "").put("product", "").put("publisher", ""));
        if (ApiVersions.atLeast(apiVersion, "2019-11-01")) {
            document.put("sku", "");
        }
        if (ApiVersions.atLeast(apiVersion, "2019-04-30")) {
            document.put("subscriptionId", vm.subscriptionId());
        }
        document.set("timeStamp", JsonNodeFactory.instance.objectNode()
                .put("createdOn", TIMESTAMP.format(createdOn))
                .put("expiresOn", TIMESTAMP.format(createdOn.plus(VALIDITY))));
        document.put("vmId", vm.vmId());
        // licenseType is "only present for AHB-enabled VMs"; Linux VMs here have no Azure Hybrid Benefit, so it is absent.
        return document;
    }

    byte[] sign(byte[] content) {
        try {
            CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
            generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
                    .build(new JcaContentSignerBuilder("SHA256withRSA").build(signer.key()), signer.certificate()));
            generator.addCertificate(new JcaX509CertificateHolder(signer.certificate()));
            return generator.generate(new CMSProcessableByteArray(content), true).getEncoded(ASN1Encoding.DER);
        } catch (OperatorCreationException | CertificateEncodingException | CMSException | IOException e) {
            throw new IllegalStateException("could not sign the attested document", e);
        }
    }
}
