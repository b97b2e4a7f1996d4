package io.harbormaster.scaleset;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link AzureScaleSet} calls Azure Resource Manager: retries, waits and timeouts, chosen here rather than left
 * to the SDK's defaults.
 *
 * @param maxRetries retries of one request after a 408, 429, 5xx or I/O failure
 * @param retryBaseDelay first backoff delay when the answer names none; it doubles (with jitter) per retry
 * @param retryMaxDelay cap on the backoff delay
 * @param longestRetryAfter the longest Retry-After a throttled answer may ask for and still be waited out; a longer
 *     one fails the call at once (retryable), since the caller's next run is a better place to wait than a blocked
 *     function invocation
 * @param connectTimeout time to open a connection to ARM
 * @param responseTimeout time to wait for the answer to one request, and between bytes of its body
 * @param pollInterval wait between polls of a long-running operation when ARM's answer names none
 * @param operationTimeout how long a write waits for its long-running operation before giving up (retryable); the
 *     operation itself goes on in Azure
 */
public record ArmCallPolicy(
        int maxRetries,
        Duration retryBaseDelay,
        Duration retryMaxDelay,
        Duration longestRetryAfter,
        Duration connectTimeout,
        Duration responseTimeout,
        Duration pollInterval,
        Duration operationTimeout) {

    public ArmCallPolicy {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative");
        }
        positive(retryBaseDelay, "retryBaseDelay");
        positive(retryMaxDelay, "retryMaxDelay");
        if (retryMaxDelay.compareTo(retryBaseDelay) < 0) {
            throw new IllegalArgumentException("retryMaxDelay must not be shorter than retryBaseDelay");
        }
        Objects.requireNonNull(longestRetryAfter, "longestRetryAfter");
        positive(connectTimeout, "connectTimeout");
        positive(responseTimeout, "responseTimeout");
        positive(pollInterval, "pollInterval");
        positive(operationTimeout, "operationTimeout");
    }

    /**
     * For a function with host.json's five-minute timeout: a throttled or failing request gives up within about
     * three minutes, and a write waits at most three minutes for its operation.
     */
    public static ArmCallPolicy defaults() {
        return new ArmCallPolicy(
                4,
                Duration.ofSeconds(1),
                Duration.ofSeconds(20),
                Duration.ofSeconds(30),
                Duration.ofSeconds(10),
                Duration.ofSeconds(30),
                Duration.ofSeconds(5),
                Duration.ofMinutes(3));
    }

    private static void positive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
