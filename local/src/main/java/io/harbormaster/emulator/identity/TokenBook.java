package io.harbormaster.emulator.identity;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bearer tokens the identity endpoint issued: random opaque strings with an expiry, which the ARM surface accepts
 * until then. Tokens are never logged, and toString does not show them.
 */
public final class TokenBook {
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Instant> expiries = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Duration lifetime;

    public TokenBook(Clock clock, Duration lifetime) {
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("lifetime must be positive");
        }
        this.clock = clock;
        this.lifetime = lifetime;
    }

    /** System clock; tokens live 24 hours, as managed-identity tokens may (Learn: managed identity token caching). */
    public TokenBook() {
        this(Clock.systemUTC(), Duration.ofHours(24));
    }

    /** A token and the instant it stops being accepted. */
    public record IssuedToken(String token, Instant expiresOn) {
        @Override
        public String toString() {
            return "IssuedToken[expiresOn=" + expiresOn + "]";
        }
    }

    public IssuedToken issue() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        // Whole seconds: expires_on travels as epoch seconds, and the holder must not think it lives longer than it does.
        Instant expiresOn = clock.instant().plus(lifetime).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        expiries.put(token, expiresOn);
        return new IssuedToken(token, expiresOn);
    }

    /** Why a presented token is refused, or empty when it is accepted. */
    public Optional<Refusal> check(String token) {
        Instant expiresOn = token == null ? null : expiries.get(token);
        if (expiresOn == null) {
            return Optional.of(Refusal.UNKNOWN);
        }
        if (!clock.instant().isBefore(expiresOn)) {
            expiries.remove(token);
            return Optional.of(Refusal.EXPIRED);
        }
        return Optional.empty();
    }

    /** Revokes every token, for tests of a token that stopped working. */
    public void revokeAll() {
        expiries.clear();
    }

    /** Why a token is not accepted. */
    public enum Refusal { UNKNOWN, EXPIRED }

    @Override
    public String toString() {
        return "TokenBook[" + expiries.size() + " tokens]";
    }
}
