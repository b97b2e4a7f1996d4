package io.harbormaster.trust;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The certificates an attested document's signer must chain to: self-signed roots, and the intermediates that the
 * PKCS#7 does not carry (IMDS embeds only the signing certificate), pinned here instead of fetched at run time.
 */
public record TrustAnchors(List<X509Certificate> roots, List<X509Certificate> intermediates) {

    public TrustAnchors {
        roots = List.copyOf(roots);
        intermediates = List.copyOf(intermediates);
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("no self-signed root certificate among the trusted certificates");
        }
    }

    /**
     * Reads PEM text holding one or more certificates; self-signed ones are roots, the others intermediates.
     *
     * @throws IllegalArgumentException when the text holds no certificate or no root
     */
    public static TrustAnchors fromPem(String pem) {
        Collection<? extends Certificate> certificates;
        try {
            certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not PEM certificates: " + e.getClass().getSimpleName());
        }
        List<X509Certificate> roots = new ArrayList<>();
        List<X509Certificate> intermediates = new ArrayList<>();
        for (Certificate certificate : certificates) {
            X509Certificate x509 = (X509Certificate) certificate;
            (selfSigned(x509) ? roots : intermediates).add(x509);
        }
        if (roots.isEmpty() && intermediates.isEmpty()) {
            throw new IllegalArgumentException("no certificate in the PEM text");
        }
        return new TrustAnchors(roots, intermediates);
    }

    Set<TrustAnchor> anchors() {
        return roots.stream().map(root -> new TrustAnchor(root, null)).collect(Collectors.toSet());
    }

    private static boolean selfSigned(X509Certificate certificate) {
        if (!certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
            return false;
        }
        try {
            certificate.verify(certificate.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "TrustAnchors[roots=" + roots.stream().map(c -> c.getSubjectX500Principal().getName()).toList()
                + ", intermediates=" + intermediates.stream().map(c -> c.getSubjectX500Principal().getName()).toList() + "]";
    }
}
