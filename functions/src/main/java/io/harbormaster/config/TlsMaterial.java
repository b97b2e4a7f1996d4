package io.harbormaster.config;

/** PEM text of the CA that signed the managers' certificates, and of our client certificate and key. */
public record TlsMaterial(String caPem, String certificatePem, String privateKeyPem) {
    /** Key material must never reach a log line, so it is left out here. */
    @Override
    public String toString() {
        return "TlsMaterial[<redacted>]";
    }
}
