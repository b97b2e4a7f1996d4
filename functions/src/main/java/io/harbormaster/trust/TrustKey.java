package io.harbormaster.trust;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The app's secret for what it signs itself (nonces, node credentials): 32 bytes or more, from a setting or kept in
 * storage. Each use derives its own subkey, so a nonce's MAC can never pass for a credential's.
 */
public final class TrustKey {
    public static final int MIN_BYTES = 32;

    private final byte[] key;

    public TrustKey(byte[] key) {
        if (key.length < MIN_BYTES) {
            throw new IllegalArgumentException("a trust key has at least " + MIN_BYTES + " bytes");
        }
        this.key = key.clone();
    }

    public static TrustKey generate() {
        byte[] bytes = new byte[MIN_BYTES];
        new SecureRandom().nextBytes(bytes);
        return new TrustKey(bytes);
    }

    /** The key's bytes, for storing it; never for logs. */
    public byte[] bytes() {
        return key.clone();
    }

    /** HMAC-SHA256 keyed with the subkey of {@code purpose}. */
    byte[] mac(String purpose, byte[] message) {
        return hmac(hmac(key, purpose.getBytes(StandardCharsets.UTF_8)), message);
    }

    private static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TrustKey that && java.security.MessageDigest.isEqual(key, that.key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key);
    }

    @Override
    public String toString() {
        return "TrustKey[<redacted>]";
    }
}
