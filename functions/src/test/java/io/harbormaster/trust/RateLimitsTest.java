package io.harbormaster.trust;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitsTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
    private final RateLimits limits = new RateLimits(6, nanos::get);

    @Test
    void aCallerGetsItsBurstThenWaitsPerCaller() {
        for (int i = 0; i < 6; i++) {
            limits.acquire("vm-1", "agent 1");
        }
        TrustRefusal refusal = assertThrows(TrustRefusal.class, () -> limits.acquire("vm-1", "agent 1"));
        assertEquals(TrustRefusal.Kind.RATE_LIMITED, refusal.kind());
        assertEquals(Duration.ofSeconds(10), refusal.retryAfter().orElseThrow());
        assertDoesNotThrow(() -> limits.acquire("vm-2", "agent 2"));
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        assertDoesNotThrow(() -> limits.acquire("vm-1", "agent 1"));
        assertThrows(TrustRefusal.class, () -> limits.acquire("vm-1", "agent 1"));
    }
}
