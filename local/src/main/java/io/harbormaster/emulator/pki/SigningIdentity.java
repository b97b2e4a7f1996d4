package io.harbormaster.emulator.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** A private key with its certificate chain, leaf first, up to (not including) the root. */
public record SigningIdentity(PrivateKey key, List<X509Certificate> chain) {
    public SigningIdentity {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a signing identity needs its certificate");
        }
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** Never prints the key. */
    @Override
    public String toString() {
        return "SigningIdentity[" + certificate().getSubjectX500Principal() + "]";
    }
}
