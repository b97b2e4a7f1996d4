package io.harbormaster.scaleset;

import java.util.Optional;

/** A scale-set call failed; {@link #retryable()} says whether trying again later can succeed. */
public class ScaleSetException extends RuntimeException {
    private final boolean retryable;
    private final String errorCode;

    public ScaleSetException(String message, boolean retryable, Throwable cause) {
        this(message, retryable, null, cause);
    }

    public ScaleSetException(String message, boolean retryable, String errorCode, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
        this.errorCode = errorCode;
    }

    public boolean retryable() {
        return retryable;
    }

    /**
     * The provider's own code for the failure when it gave one (in Azure the {@code error.code} of the answer or of
     * the failed operation, such as {@code AllocationFailed} or {@code QuotaExceeded}), for callers that tell them apart.
     */
    public Optional<String> errorCode() {
        return Optional.ofNullable(errorCode);
    }
}
