package io.harbormaster.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NonceBookTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T08:00:03Z"));
    private final TrustKey key = TrustKey.generate();
    private final NonceBook nonces = new NonceBook(key, Duration.ofMinutes(2), clock);

    @Test
    void aNonceIsTenDigitsAndCurrentForItsLifetime() {
        String nonce = nonces.issue();
        assertTrue(nonce.matches("[0-9]{10}"), nonce);
        assertEquals(NonceBook.Check.CURRENT, nonces.check(nonce));
        clock.advance(Duration.ofMinutes(2));
        assertEquals(NonceBook.Check.CURRENT, nonces.check(nonce));
        clock.advance(Duration.ofSeconds(20));
        assertEquals(NonceBook.Check.EXPIRED, nonces.check(nonce));
    }

    @Test
    void nonceOfAnotherKeyOrMadeUpIsNotOurs() {
        NonceBook other = new NonceBook(TrustKey.generate(), Duration.ofMinutes(2), clock);
        int notOurs = 0;
        for (int i = 0; i < 50; i++) {
            if (nonces.check(other.issue()) == NonceBook.Check.NOT_OURS) {
                notOurs++;
            }
        }
        // A three-digit MAC lets one guess in 1,000 through.
        assertTrue(notOurs >= 48, notOurs + " of 50 foreign nonces refused");
        assertEquals(NonceBook.Check.NOT_OURS, nonces.check("20181128-001617"));
        assertEquals(NonceBook.Check.NOT_OURS, nonces.check("123456789"));
        assertEquals(NonceBook.Check.NOT_OURS, nonces.check(null));
    }

    @Test
    void aNonceFromTheFutureIsNotCurrent() {
        clock.advance(Duration.ofMinutes(10));
        String later = nonces.issue();
        clock.advance(Duration.ofMinutes(-10));
        assertEquals(NonceBook.Check.EXPIRED, nonces.check(later));
    }

    @Test
    void noncesVaryWithinASlot() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            seen.add(nonces.issue());
        }
        assertTrue(seen.size() > 50, seen.size() + " distinct nonces in one slot");
    }
}
