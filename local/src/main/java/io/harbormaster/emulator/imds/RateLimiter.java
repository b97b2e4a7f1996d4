package io.harbormaster.emulator.imds;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A token bucket per VM: Learn's "requests to IMDS are limited to 5 requests per second (on a per VM basis)". The
 * bucket holds one second's worth of requests, so a burst of that many passes and the next is refused.
 */
final class RateLimiter {
    private final double perSecond;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    RateLimiter(double perSecond, LongSupplier nanoTime) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("requests per second must be positive: " + perSecond);
        }
        this.perSecond = perSecond;
        this.nanoTime = nanoTime;
    }

    /** Takes a token for this VM; false means answer 429. */
    boolean tryAcquire(String vmId) {
        return buckets.computeIfAbsent(vmId, id -> new Bucket(capacity(), nanoTime.getAsLong())).take();
    }

    private double capacity() {
        return Math.max(1.0, perSecond);
    }

    private final class Bucket {
        private double tokens;
        private long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }

        synchronized boolean take() {
            long now = nanoTime.getAsLong();
            tokens = Math.min(capacity(), tokens + (now - refilledAt) * perSecond / TimeUnit.SECONDS.toNanos(1));
            refilledAt = now;
            if (tokens < 1.0) {
                return false;
            }
            tokens -= 1.0;
            return true;
        }
    }
}
