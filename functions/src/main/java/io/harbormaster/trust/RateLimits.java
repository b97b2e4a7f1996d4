package io.harbormaster.trust;

import io.harbormaster.trust.TrustRefusal.Kind;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Per-caller token buckets, so one node cannot flood the control plane: each caller identity gets {@code perMinute}
 * calls of a kind, in bursts of up to that many. Kept per app instance: with n instances a node gets at most n times
 * its allowance, which still bounds it, and costs no storage call.
 */
public final class RateLimits {
    /** Buckets kept at most; the least recently used goes first (a full bucket is all a forgotten caller loses). */
    static final int MAX_CALLERS = 10_000;

    private final double perMinute;
    private final LongSupplier nanoTime;
    private final Map<String, Bucket> buckets = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
            return size() > MAX_CALLERS;
        }
    };

    public RateLimits(int perMinute, LongSupplier nanoTime) {
        if (perMinute < 1) {
            throw new IllegalArgumentException("perMinute must be at least 1");
        }
        this.perMinute = perMinute;
        this.nanoTime = nanoTime;
    }

    /** @throws TrustRefusal RATE_LIMITED, with the wait until the next call would pass */
    public synchronized void acquire(String identity, String claimed) {
        long now = nanoTime.getAsLong();
        Bucket bucket = buckets.computeIfAbsent(identity, key -> new Bucket(perMinute, now));
        double tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * perMinute / 60e9);
        bucket.at = now;
        if (tokens < 1) {
            bucket.tokens = tokens;
            long waitSeconds = (long) Math.ceil((1 - tokens) * 60 / perMinute);
            throw new TrustRefusal(Kind.RATE_LIMITED, "more than " + (long) perMinute + " calls a minute", claimed,
                    Duration.ofSeconds(Math.max(1, waitSeconds)));
        }
        bucket.tokens = tokens - 1;
    }

    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }
}
