package io.harbormaster.scaleset;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.management.exception.ManagementError;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.polling.PollResult;
import com.azure.core.util.polling.PollResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/** What Azure Resource Manager's refusals and failed operations mean for the core: which are worth retrying, which are final. */
final class ArmFailures {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Failed operations that no amount of waiting fixes: quota, SKU and request errors need a person. */
    private static final Set<String> PERMANENT_OPERATION_ERRORS = Set.of(
            "QuotaExceeded", "OperationNotAllowed", "SkuNotAvailable", "InvalidParameter", "BadRequest",
            "AuthorizationFailed", "LinkedAuthorizationFailed");

    /**
     * 409 codes that name another operation still running on the instance or scale set; it ends by itself, so the
     * request may pass on the caller's next pass. {@code Conflict}: "The request failed due to conflict with a
     * concurrent request." (cloudfoundry/bosh-azure-cpi-release#173); {@code AnotherOperationInProgress}: listed with
     * it in Learn's common-deployment-errors as an operation that waits for a concurrent one (emulator README).
     */
    private static final Set<String> CONCURRENT_OPERATION_CONFLICTS = Set.of("conflict", "anotheroperationinprogress");
    // Azure/azure-sdk-for-python#2702, sassoftware/viya4-iac-azure#140: "... since the VM is marked for deletion.
    // You can only retry the Delete operation (or wait for an ongoing one to complete)."
    private static final String MARKED_FOR_DELETION = "marked for deletion";

    private ArmFailures() {
    }

    /**
     * The failure of {@code action} as the core sees it: retryable or not, with ARM's code. Messages are built from
     * status, ARM's error code and message, never from requests, so no token reaches them.
     */
    static ScaleSetException of(String action, RuntimeException e, boolean deleting, Duration operationTimeout) {
        if (e instanceof ScaleSetException known) {
            return known;
        }
        // Before the general HTTP case: its response, if any, is the identity endpoint's, not ARM's.
        if (e instanceof ClientAuthenticationException) {
            return new ScaleSetException("Failed to " + action + ": no token for Azure Resource Manager ("
                    + e.getClass().getSimpleName() + "); check the function app's managed identity", false, e);
        }
        if (e instanceof HttpResponseException http && http.getResponse() != null) {
            int status = status(http);
            Optional<ManagementError> error = managementError(http);
            String code = error.map(ManagementError::getCode).orElse(null);
            String detail = "Failed to " + action + ": HTTP " + status
                    + error.map(err -> " " + err.getCode() + ": " + err.getMessage()).orElse("");
            if (status == 412) {
                return new ScaleSetConflictException(detail + " (the scale set changed since it was read; read it again)", e);
            }
            if (status == 409) {
                // Never retried here (azure-core does not retry a 409, and a pass must not block): a retryable one is
                // tried again by the caller's next pass, the drain's follow-up or the next capacity check.
                return new ScaleSetException(detail, retryableConflict(error, deleting), code, e);
            }
            if (status == 429) {
                String wait = ArmRetryStrategy.retryAfter(http.getResponse())
                        .map(after -> " (ARM asks to wait " + after.toSeconds() + "s)").orElse("");
                return new ScaleSetException(detail + wait, true, code, e);
            }
            return new ScaleSetException(detail, status == 408 || status >= 500, code, e);
        }
        if (causedBy(e, TimeoutException.class)) {
            return new ScaleSetException("Failed to " + action + ": not finished within "
                    + operationTimeout.toSeconds() + "s; the operation may still complete in Azure", true, e);
        }
        if (causedBy(e, IOException.class) || e instanceof UncheckedIOException) {
            return new ScaleSetException("Failed to " + action + ": no answer from Azure Resource Manager ("
                    + rootCause(e).getClass().getSimpleName() + ")", true, e);
        }
        return new ScaleSetException("Failed to " + action + ": " + rootCause(e).getClass().getSimpleName(), false, e);
    }

    /** A long-running operation that ended without success, with the code and message of its status document. */
    static ScaleSetException operationFailed(String action, PollResponse<? extends PollResult<?>> last) {
        String code = null;
        String message = null;
        PollResult.Error error = last.getValue() == null ? null : last.getValue().getError();
        if (error != null && error.getResponseBody() != null) {
            // The operation's status document: {"status": "Failed", "error": {"code": ..., "message": ...}}.
            try {
                JsonNode body = JSON.readTree(error.getResponseBody()).path("error");
                code = body.path("code").isTextual() ? body.path("code").asText() : null;
                message = body.path("message").isTextual() ? body.path("message").asText() : null;
            } catch (IOException unreadable) {
                // the status and SDK message below still say what happened
            }
        }
        if (message == null && error != null) {
            message = error.getMessage();
        }
        boolean retryable = code == null || !PERMANENT_OPERATION_ERRORS.contains(code);
        return new ScaleSetException("Failed to " + action + ": the operation ended " + last.getStatus()
                + (code == null ? "" : " " + code) + (message == null ? "" : ": " + message), retryable, code, null);
    }

    /**
     * Which 409s waiting can fix. Another operation on the same instance or scale set ({@link
     * #CONCURRENT_OPERATION_CONFLICTS}) ends by itself: retryable. {@code OperationNotAllowed} about a VM marked for
     * deletion is retryable only on a delete: Azure is already deleting the instance, its message says to retry the
     * Delete or wait, and the next attempt finds the instance gone (or deletes it if Azure's delete failed); on any
     * other write the instance is going away, which no retry changes. Every other 409 is final: {@code
     * OperationNotAllowed} is also Compute's answer to a quota limit (Learn, "Resolve errors for resource quotas") and
     * to a powerOff of a deallocated VM (the compute spec's PowerOff), and {@code SkuNotAvailable} (Learn, "Resolve
     * errors for SKU not available") needs another size or region; a 409 without an error code is final too, since
     * nothing says what it waits for.
     */
    private static boolean retryableConflict(Optional<ManagementError> error, boolean deleting) {
        String code = error.map(ManagementError::getCode).map(c -> c.toLowerCase(Locale.ROOT)).orElse("");
        if (CONCURRENT_OPERATION_CONFLICTS.contains(code)) {
            return true;
        }
        return deleting && code.equals("operationnotallowed") && error
                .map(ManagementError::getMessage)
                .filter(message -> message.toLowerCase(Locale.ROOT).contains(MARKED_FOR_DELETION))
                .isPresent();
    }

    /**
     * ARM answers 400 InvalidParameter, targeting instanceIds, for an id that is not an active instance (public reports:
     * Azure/azure-cli#25476, microsoft/onefuzz#2547); 404 is kept for a scale set that answers as a missing resource.
     */
    static boolean namesAnInstanceThatIsGone(HttpResponseException e) {
        if (status(e) == 404) {
            return true;
        }
        return status(e) == 400 && managementError(e)
                .filter(error -> "InvalidParameter".equalsIgnoreCase(error.getCode()))
                .filter(error -> error.getTarget() == null || "instanceIds".equalsIgnoreCase(error.getTarget()))
                .isPresent();
    }

    private static Optional<ManagementError> managementError(HttpResponseException e) {
        if (e instanceof ManagementException management && management.getValue() != null
                && management.getValue().getCode() != null) {
            return Optional.of(management.getValue());
        }
        return Optional.empty();
    }

    private static int status(HttpResponseException e) {
        return e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        Set<Throwable> seen = new HashSet<>();
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable e) {
        Set<Throwable> seen = new HashSet<>();
        Throwable root = e;
        while (root.getCause() != null && seen.add(root)) {
            root = root.getCause();
        }
        return root;
    }
}
