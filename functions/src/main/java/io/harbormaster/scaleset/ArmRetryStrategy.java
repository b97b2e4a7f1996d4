package io.harbormaster.scaleset;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.ExponentialBackoff;
import com.azure.core.http.policy.RequestRetryCondition;
import com.azure.core.http.policy.RetryStrategy;
import com.azure.core.util.DateTimeRfc1123;
import io.harbormaster.metrics.ControlPlaneMetrics;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * Exponential backoff for ARM requests that also refuses to wait out a Retry-After longer than
 * {@link ArmCallPolicy#longestRetryAfter()}. Shorter Retry-After values are honoured by azure-core's RetryPolicy
 * itself, which reads the header before asking this strategy for a delay.
 */
final class ArmRetryStrategy implements RetryStrategy {
    private static final HttpHeaderName RETRY_AFTER_MS = HttpHeaderName.fromString("retry-after-ms");
    private static final HttpHeaderName X_MS_RETRY_AFTER_MS = HttpHeaderName.fromString("x-ms-retry-after-ms");

    private final ExponentialBackoff backoff;
    private final int maxRetries;
    private final Duration longestRetryAfter;

    ArmRetryStrategy(ArmCallPolicy policy) {
        this.maxRetries = policy.maxRetries();
        this.longestRetryAfter = policy.longestRetryAfter();
        this.backoff = new ExponentialBackoff(maxRetries, policy.retryBaseDelay(), policy.retryMaxDelay());
    }

    @Override
    public int getMaxRetries() {
        return maxRetries;
    }

    @Override
    public Duration calculateRetryDelay(int retryAttempts) {
        return backoff.calculateRetryDelay(retryAttempts);
    }

    @Override
    public boolean shouldRetryCondition(RequestRetryCondition condition) {
        HttpResponse response = condition.getResponse();
        if (response != null && response.getStatusCode() == 429) {
            ControlPlaneMetrics.global().armThrottled(response.getRequest().getHttpMethod().name());
        }
        if (response != null && retryAfter(response).filter(wait -> wait.compareTo(longestRetryAfter) > 0).isPresent()) {
            return false;
        }
        return RetryStrategy.super.shouldRetryCondition(condition);
    }

    /**
     * A credential that cannot produce a token will not produce one a second later; the identity libraries retry
     * their own endpoints. I/O failures among its causes are still retried, since RetryPolicy asks about each cause.
     */
    @Override
    public boolean shouldRetryException(Throwable throwable) {
        return !(throwable instanceof ClientAuthenticationException) && RetryStrategy.super.shouldRetryException(throwable);
    }

    /** The wait the answer asks for, read from the same headers, in the same order, as azure-core reads them. */
    static Optional<Duration> retryAfter(HttpResponse response) {
        Optional<Duration> millis = millis(response.getHeaderValue(X_MS_RETRY_AFTER_MS));
        if (millis.isEmpty()) {
            millis = millis(response.getHeaderValue(RETRY_AFTER_MS));
        }
        if (millis.isPresent()) {
            return millis;
        }
        String value = response.getHeaderValue(HttpHeaderName.RETRY_AFTER);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(value.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                OffsetDateTime at = new DateTimeRfc1123(value.trim()).getDateTime();
                return Optional.of(Duration.between(OffsetDateTime.now(), at));
            } catch (RuntimeException notADate) {
                return Optional.empty();
            }
        }
    }

    private static Optional<Duration> millis(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofMillis(Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
