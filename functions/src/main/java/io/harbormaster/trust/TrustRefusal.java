package io.harbormaster.trust;

import java.time.Duration;
import java.util.Optional;

/**
 * Why a node's call is not served, as the HTTP adapter answers it: 401 (who it is was not proven), 403 (proven, but
 * not allowed), 409 (ask again: a fresh attestation), 429 (over its rate). {@code claimed} names the caller as it
 * presented itself, for the audit line; it never holds a credential or a signature.
 */
public final class TrustRefusal extends RuntimeException {
    /** The kinds of refusal, each with its status and error code. */
    public enum Kind {
        MISSING_PROOF(401, "attestation_required"),
        MALFORMED(401, "malformed_attestation"),
        BAD_SIGNATURE(401, "bad_signature"),
        UNTRUSTED_SIGNER(401, "untrusted_signer"),
        WRONG_SUBSCRIPTION(401, "wrong_subscription"),
        EXPIRED(401, "expired_attestation"),
        UNKNOWN_NONCE(401, "unknown_nonce"),
        REPLAYED(401, "replayed_attestation"),
        BAD_CREDENTIAL(401, "bad_credential"),
        UNKNOWN_MACHINE(403, "unknown_machine"),
        FORBIDDEN(403, "forbidden"),
        RETRY_ATTESTATION(409, "retry_attestation"),
        RATE_LIMITED(429, "rate_limited"),
        NOT_CONFIGURED(503, "attestation_not_configured");

        private final int status;
        private final String code;

        Kind(int status, String code) {
            this.status = status;
            this.code = code;
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }
    }

    private final Kind kind;
    private final String claimed;
    private final Duration retryAfter;

    public TrustRefusal(Kind kind, String message, String claimed) {
        this(kind, message, claimed, null);
    }

    public TrustRefusal(Kind kind, String message, String claimed, Duration retryAfter) {
        super(message, null, false, false);
        this.kind = kind;
        this.claimed = claimed == null || claimed.isBlank() ? "unknown" : claimed;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    /** The identity the caller claimed (vmId, machine name), or "unknown"; safe to log. */
    public String claimed() {
        return claimed;
    }

    /** For 409 and 429: when to try again. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** The same refusal with a better idea of who asked. */
    public TrustRefusal claimedBy(String identity) {
        return new TrustRefusal(kind, getMessage(), identity, retryAfter);
    }
}
