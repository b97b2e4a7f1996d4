package io.harbormaster.trust;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Issues the 10-digit nonces nodes ask IMDS to sign, and tells ours from others without storing them: five digits of
 * issue time (10 s slots, wrapping after about 11.5 days), two random digits, and three of a MAC over both. Issuing
 * costs no storage write, so the anonymous nonce route cannot fill storage. The MAC is short: a guessed nonce passes
 * one time in 1,000, and a guess needs a document signed by IMDS for one of our VMs, costs one rate-limited request,
 * and still names a time that is not yet or no longer current. Nonces repeat (100 per slot), so what makes a document
 * single-use is the {@link ReplayGuard}, keyed by nonce and vmId.
 */
public final class NonceBook {
    /** Learn: the nonce is "a 10-digit string". */
    static final Pattern NONCE = Pattern.compile("[0-9]{10}");
    static final Duration SLOT = Duration.ofSeconds(10);
    static final long SLOTS = 100_000;

    /** What a nonce turned out to be. */
    public enum Check { CURRENT, EXPIRED, NOT_OURS }

    private final Supplier<TrustKey> key;
    private final Duration lifetime;
    private final Clock clock;

    /** @param lifetime how long after issue a nonce is accepted; at most a day, far inside the wrap */
    public NonceBook(TrustKey key, Duration lifetime, Clock clock) {
        this(() -> key, lifetime, clock);
    }

    /** With a key read on first use (the one kept in storage), so that building the book sends nothing. */
    public NonceBook(Supplier<TrustKey> key, Duration lifetime, Clock clock) {
        if (lifetime.compareTo(Duration.ofDays(1)) > 0 || lifetime.compareTo(SLOT) < 0) {
            throw new IllegalArgumentException("nonce lifetime must be from 10 s to a day: " + lifetime);
        }
        this.key = key;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    public String issue() {
        long slot = slot(clock.instant());
        int random = ThreadLocalRandom.current().nextInt(100);
        return String.format("%05d%02d%03d", slot, random, mac(slot, random));
    }

    public Check check(String nonce) {
        if (nonce == null || !NONCE.matcher(nonce).matches()) {
            return Check.NOT_OURS;
        }
        long slot = Long.parseLong(nonce.substring(0, 5));
        int random = Integer.parseInt(nonce.substring(5, 7));
        if (mac(slot, random) != Long.parseLong(nonce.substring(7))) {
            return Check.NOT_OURS;
        }
        long age = Math.floorMod(slot(clock.instant()) - slot, SLOTS);
        // The slot is rounded down, so a nonce may be up to one slot older than its age says.
        return age * SLOT.toSeconds() <= lifetime.toSeconds() ? Check.CURRENT : Check.EXPIRED;
    }

    /** How long a nonce is accepted. */
    public Duration lifetime() {
        return lifetime;
    }

    private static long slot(Instant instant) {
        return Math.floorMod(instant.getEpochSecond() / SLOT.toSeconds(), SLOTS);
    }

    private long mac(long slot, int random) {
        byte[] mac = key.get().mac("imds-nonce", (slot + ":" + random).getBytes(StandardCharsets.US_ASCII));
        return Math.floorMod(ByteBuffer.wrap(mac).getLong(), 1000);
    }
}
