package io.harbormaster.trust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The status page's session token, the value of its cookie: {@code hmo1.<payload>.<mac>}, the payload naming the
 * operator and an expiry, the MAC an HMAC-SHA256 under the trust key's own subkey for sessions. Stateless, so any
 * instance of the app accepts what another issued; it holds neither the master key nor anything derived from it.
 */
public final class OperatorSessions {
    static final String PREFIX = "hmo1.";
    private static final String PURPOSE = "operator-session";
    private static final int LONGEST = 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    /** Who a valid session belongs to, and how they proved it. */
    public record Operator(String name, String via) {
    }

    private final Supplier<TrustKey> key;
    private final Duration lifetime;
    private final Clock clock;

    public OperatorSessions(Supplier<TrustKey> key, Duration lifetime, Clock clock) {
        this.key = key;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    public Duration lifetime() {
        return lifetime;
    }

    public String issue(Operator operator) {
        String payload = JSON.createObjectNode()
                .put("sub", operator.name())
                .put("via", operator.via())
                .put("exp", clock.instant().plus(lifetime).getEpochSecond())
                .toString();
        String body = ENCODER.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        return PREFIX + body + "." + ENCODER.encodeToString(mac(body));
    }

    /** The operator of a token we issued, unaltered and unexpired; empty for anything else. */
    public Optional<Operator> verify(String token) {
        if (token == null || token.length() > LONGEST || !token.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String rest = token.substring(PREFIX.length());
        int dot = rest.indexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        String body = rest.substring(0, dot);
        try {
            if (!MessageDigest.isEqual(mac(body), DECODER.decode(rest.substring(dot + 1)))) {
                return Optional.empty();
            }
            JsonNode payload = JSON.readTree(DECODER.decode(body));
            if (!Instant.ofEpochSecond(payload.path("exp").asLong(0)).isAfter(clock.instant())) {
                return Optional.empty();
            }
            return Optional.of(new Operator(payload.path("sub").asText(), payload.path("via").asText()));
        } catch (IllegalArgumentException | IOException e) {
            return Optional.empty();
        }
    }

    private byte[] mac(String body) {
        return key.get().mac(PURPOSE, body.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "OperatorSessions[lifetime=" + lifetime + "]";
    }
}
