package io.harbormaster.local;

import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The keys HTTP functions demand, checked the way the Functions host does: FUNCTION accepts the function key or
 * the master key, ADMIN only the master key, ANONYMOUS nothing. Keys never appear in {@link #toString()}.
 */
public final class FunctionKeys {
    private final boolean enabled;
    private final byte[] functionKeyDigest;
    private final byte[] masterKeyDigest;

    private FunctionKeys(boolean enabled, String functionKey, String masterKey) {
        this.enabled = enabled;
        this.functionKeyDigest = functionKey == null ? null : digest(functionKey);
        this.masterKeyDigest = masterKey == null ? null : digest(masterKey);
    }

    public static FunctionKeys disabled() {
        return new FunctionKeys(false, null, null);
    }

    public static FunctionKeys of(String functionKey, Optional<String> masterKey) {
        if (functionKey == null || functionKey.isEmpty()) {
            throw new IllegalArgumentException("a function key is required when keys are checked");
        }
        return new FunctionKeys(true, functionKey, masterKey.orElse(null));
    }

    public boolean enabled() {
        return enabled;
    }

    public boolean authorizes(AuthorizationLevel level, String presentedKey) {
        if (!enabled || level == AuthorizationLevel.ANONYMOUS) {
            return true;
        }
        if (presentedKey == null || presentedKey.isEmpty()) {
            return false;
        }
        // Digests first so that the comparison takes the same time whatever the lengths are.
        byte[] presented = digest(presentedKey);
        boolean isMaster = masterKeyDigest != null && MessageDigest.isEqual(presented, masterKeyDigest);
        boolean isFunction = MessageDigest.isEqual(presented, functionKeyDigest);
        return level == AuthorizationLevel.ADMIN ? isMaster : isMaster || isFunction;
    }

    @Override
    public String toString() {
        return enabled ? "FunctionKeys[checked, master key " + (masterKeyDigest != null ? "set" : "not set") + "]"
                : "FunctionKeys[disabled]";
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
