package io.harbormaster.trust;

import io.harbormaster.trust.TrustRefusal.Kind;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.DefaultCMSSignatureAlgorithmNameGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.SignerInformationVerifier;
import org.bouncycastle.operator.ContentVerifier;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * The PKCS#7 signature of an attested document, checked by BouncyCastle's CMS: one signer, whose certificate the
 * SignedData carries, and whose signature matches the document. Whether that signer is to be trusted is the caller's.
 */
final class ImdsSignature {
    /**
     * IMDS names its SignerInfo's digest algorithm sha256WithRSAEncryption (a signature algorithm; Learn's sample
     * decodes so), for which the JDK has no MessageDigest. BouncyCastle's own finder maps it to SHA-256; a digest
     * algorithm proper passes through.
     */
    private static final DigestCalculatorProvider DIGESTS = digests();

    private ImdsSignature() {
    }

    /**
     * @return the signer's certificate, once its signature over the document verified
     * @throws TrustRefusal BAD_SIGNATURE
     */
    static X509Certificate verify(CMSSignedData signed, String claimed) {
        Collection<SignerInformation> signers = signed.getSignerInfos().getSigners();
        if (signers.size() != 1) {
            throw new TrustRefusal(Kind.BAD_SIGNATURE, "the PKCS#7 has " + signers.size() + " signers; IMDS signs with one", claimed);
        }
        SignerInformation signer = signers.iterator().next();
        @SuppressWarnings("unchecked")
        Collection<X509CertificateHolder> matches = signed.getCertificates().getMatches(signer.getSID());
        if (matches.size() != 1) {
            throw new TrustRefusal(Kind.BAD_SIGNATURE, "the PKCS#7 does not carry its signer's certificate", claimed);
        }
        X509CertificateHolder holder = matches.iterator().next();
        try {
            if (!signer.verify(verifierFor(holder))) {
                throw new TrustRefusal(Kind.BAD_SIGNATURE, "the signature does not match the document", claimed);
            }
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CMSException | OperatorCreationException | GeneralSecurityException | RuntimeException e) {
            if (e instanceof TrustRefusal refusal) {
                throw refusal;
            }
            throw new TrustRefusal(Kind.BAD_SIGNATURE, "the signature does not verify: " + e.getClass().getSimpleName() + ": " + e.getMessage(), claimed);
        }
    }

    /**
     * BouncyCastle's verifier for the signer's certificate, with two allowances for IMDS's way of naming the digest
     * sha256WithRSAEncryption: {@link #DIGESTS} finds SHA-256 for it, and the signature is checked as a whole
     * (SHA256withRSA over the content) rather than as a raw RSA block over a DigestInfo, which BouncyCastle would build
     * with that name and so never match. The cryptography is BouncyCastle's and the JDK's either way.
     */
    private static SignerInformationVerifier verifierFor(X509CertificateHolder holder) throws OperatorCreationException {
        try {
            ContentVerifierProvider jca = new JcaContentVerifierProviderBuilder().build(holder);
            ContentVerifierProvider whole = new ContentVerifierProvider() {
                @Override
                public boolean hasAssociatedCertificate() {
                    return jca.hasAssociatedCertificate();
                }

                @Override
                public X509CertificateHolder getAssociatedCertificate() {
                    return jca.getAssociatedCertificate();
                }

                @Override
                public ContentVerifier get(AlgorithmIdentifier algorithm) throws OperatorCreationException {
                    ContentVerifier verifier = jca.get(algorithm);
                    // Not a RawContentVerifier: CMS then feeds it the content and asks it to verify the signature.
                    return new ContentVerifier() {
                        @Override
                        public AlgorithmIdentifier getAlgorithmIdentifier() {
                            return verifier.getAlgorithmIdentifier();
                        }

                        @Override
                        public java.io.OutputStream getOutputStream() {
                            return verifier.getOutputStream();
                        }

                        @Override
                        public boolean verify(byte[] signature) {
                            return verifier.verify(signature);
                        }
                    };
                }
            };
            return new SignerInformationVerifier(new DefaultCMSSignatureAlgorithmNameGenerator(),
                    new DefaultSignatureAlgorithmIdentifierFinder(), whole, DIGESTS);
        } catch (java.security.cert.CertificateException e) {
            throw new OperatorCreationException("signer certificate unreadable", e);
        }
    }

    private static DigestCalculatorProvider digests() {
        DigestCalculatorProvider jca;
        try {
            jca = new JcaDigestCalculatorProviderBuilder().build();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("no digest provider", e);
        }
        DefaultDigestAlgorithmIdentifierFinder finder = new DefaultDigestAlgorithmIdentifierFinder();
        return algorithm -> {
            AlgorithmIdentifier digest = finder.find(algorithm);
            return jca.get(digest != null ? digest : algorithm);
        };
    }

}
