package io.harbormaster.emulator.arm;

import io.harbormaster.emulator.cloud.CloudError;
import io.harbormaster.emulator.cloud.OperationFaults;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;

/**
 * The knobs of the emulated ARM: injected answers (throttling, server errors, refusals), slow or failing
 * operations, the Retry-After of long-running operations and the page size of instance lists. Thread-safe.
 */
public final class ArmFaults implements OperationFaults {
    /** ARM's documented default page size is not published; 1000 is the emulator's choice (see the README). */
    public static final int DEFAULT_PAGE_SIZE = 1000;

    /**
     * An answer to give instead of the real one. {@code method} and {@code pathContains} (case-insensitive) narrow
     * which requests it hits; null matches any. {@code retryAfter} null sends no Retry-After header.
     */
    public record InjectedAnswer(int status, String code, String message, Duration retryAfter, String method,
            String pathContains) {
        boolean matches(String requestMethod, String path) {
            return (method == null || method.equalsIgnoreCase(requestMethod))
                    && (pathContains == null
                    || path.toLowerCase(Locale.ROOT).contains(pathContains.toLowerCase(Locale.ROOT)));
        }
    }

    private final Deque<InjectedAnswer> answers = new ArrayDeque<>();
    private CloudError nextOperationFailure;
    private Duration operationDelay = Duration.ZERO;
    private Duration retryAfter = Duration.ofSeconds(1);
    private int pageSize = DEFAULT_PAGE_SIZE;

    /**
     * The next {@code times} requests get 429 with this Retry-After. The code is ARM's throttling code
     * (Learn: "Throttling Resource Manager requests": SubscriptionRequestsThrottled / ResourceRequestsThrottled).
     */
    public synchronized void throttleNext(int times, Duration retryAfter) {
        answerNext(times, new InjectedAnswer(429, "SubscriptionRequestsThrottled",
                "Number of requests for subscription exceeded the limit. Please try again after "
                        + (retryAfter == null ? 0 : retryAfter.toSeconds()) + " seconds.", retryAfter, null, null));
    }

    /** The next {@code times} requests get this 5xx, with the usual code for it. */
    public synchronized void serverErrorNext(int times, int status) {
        String code = switch (status) {
            case 500 -> "InternalServerError";
            case 502 -> "BadGateway";
            case 503 -> "ServiceUnavailable";
            case 504 -> "GatewayTimeout";
            default -> "InternalServerError";
        };
        answerNext(times, new InjectedAnswer(status, code, "Injected by the emulator: HTTP " + status + ".", null,
                null, null));
    }

    /** The next request (matching method and path when given) is refused, e.g. 409 SkuNotAvailable or 409 OperationNotAllowed. */
    public synchronized void refuseNext(int status, String code, String message, String method, String pathContains) {
        answerNext(1, new InjectedAnswer(status, code, message, null, method, pathContains));
    }

    public synchronized void answerNext(int times, InjectedAnswer answer) {
        for (int i = 0; i < times; i++) {
            answers.add(answer);
        }
    }

    /** The next operation to start ends Failed with this code and message and changes nothing (e.g. AllocationFailed). */
    public synchronized void failNextOperation(String code, String message) {
        nextOperationFailure = new CloudError(code, message);
    }

    /** Every operation waits this long before its machine work, as a slow region would. */
    public synchronized void slowOperations(Duration delay) {
        operationDelay = delay == null ? Duration.ZERO : delay;
    }

    /** The Retry-After long-running operations answer with; whole seconds, as ARM sends. */
    public synchronized void retryAfter(Duration retryAfter) {
        this.retryAfter = retryAfter;
    }

    public synchronized Duration retryAfter() {
        return retryAfter;
    }

    public synchronized void pageSize(int pageSize) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be positive");
        }
        this.pageSize = pageSize;
    }

    public synchronized int pageSize() {
        return pageSize;
    }

    /** Forgets every injected answer and failure, and restores the defaults. */
    public synchronized void clear() {
        answers.clear();
        nextOperationFailure = null;
        operationDelay = Duration.ZERO;
        retryAfter = Duration.ofSeconds(1);
        pageSize = DEFAULT_PAGE_SIZE;
    }

    synchronized Optional<InjectedAnswer> takeAnswer(String method, String path) {
        for (Iterator<InjectedAnswer> it = answers.iterator(); it.hasNext(); ) {
            InjectedAnswer answer = it.next();
            if (answer.matches(method, path)) {
                it.remove();
                return Optional.of(answer);
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized Duration operationDelay() {
        return operationDelay;
    }

    @Override
    public synchronized Optional<CloudError> takeOperationFailure() {
        Optional<CloudError> failure = Optional.ofNullable(nextOperationFailure);
        nextOperationFailure = null;
        return failure;
    }
}
