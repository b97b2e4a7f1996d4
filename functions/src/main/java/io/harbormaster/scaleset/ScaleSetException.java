package io.harbormaster.scaleset;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** A scale-set call failed; {@link #retryable()} says whether trying again later can succeed. */
public class ScaleSetException extends RuntimeException {
    /**
     * Codes that say Azure has no room for the VMs asked for, now: SkuNotAvailable on the request (Learn "Resolve
     * errors for SKU not available"), and AllocationFailed, ZonalAllocationFailed and OverconstrainedAllocationRequest
     * (and its zonal form) on the operation or its instances (SupportArticles "Troubleshoot allocation failures", the
     * emulator README's sources). Another pool may have room where this one has none.
     */
    private static final Set<String> ALLOCATION_FAILURES = Set.of("skunotavailable", "allocationfailed",
            "zonalallocationfailed", "overconstrainedallocationrequest", "overconstrainedzonalallocationrequest");

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

    /**
     * Whether Azure could not allocate the VMs: one of the allocation codes, or an {@code OperationNotAllowed} about
     * quota or capacity (Learn "Resolve errors for resource quotas": a scale-out past the cores quota). A pool that
     * cannot allocate is passed over for a while, so pending tasks go to the next pool that fits.
     */
    public boolean allocationFailure() {
        if (errorCode == null) {
            return false;
        }
        String code = errorCode.toLowerCase(Locale.ROOT);
        if (ALLOCATION_FAILURES.contains(code)) {
            return true;
        }
        String message = String.valueOf(getMessage()).toLowerCase(Locale.ROOT);
        return code.equals("operationnotallowed") && (message.contains("quota") || message.contains("capacity"));
    }
}
