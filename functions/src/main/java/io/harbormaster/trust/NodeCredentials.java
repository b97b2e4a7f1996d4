package io.harbormaster.trust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.harbormaster.trust.TrustRefusal.Kind;
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
 * The short-lived credential a node gets after one attestation, for its later calls: {@code hm1.<payload>.<mac>}, the
 * payload naming the machine and an expiry, the MAC an HMAC-SHA256 under the trust key. Stateless, so any instance of
 * the app accepts what another issued; it cannot be revoked before it expires, hence the short lifetime.
 */
public final class NodeCredentials {
    static final String PREFIX = "hm1.";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    /** A credential and when it stops being accepted. */
    public record Issued(String credential, Instant expiresAt) {
        @Override
        public String toString() {
            return "Issued[credential=<redacted>, expiresAt=" + expiresAt + "]";
        }
    }

    private final Supplier<TrustKey> key;
    private final Duration lifetime;
    private final Clock clock;

    public NodeCredentials(TrustKey key, Duration lifetime, Clock clock) {
        this(() -> key, lifetime, clock);
    }

    /** With a key read on first use (the one kept in storage), so that building them sends nothing. */
    public NodeCredentials(Supplier<TrustKey> key, Duration lifetime, Clock clock) {
        this.key = key;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    public Issued issue(Machine machine) {
        Instant expiresAt = clock.instant().plus(lifetime);
        ObjectNode payload = JSON.createObjectNode()
                .put("kind", machine.kind().name())
                .put("vmId", machine.vmId())
                .put("name", machine.name())
                .put("computerName", machine.computerName())
                .put("instanceId", machine.instanceId())
                .put("exp", expiresAt.getEpochSecond());
        String body = ENCODER.encodeToString(payload.toString().getBytes(StandardCharsets.UTF_8));
        return new Issued(PREFIX + body + "." + ENCODER.encodeToString(mac(body)), expiresAt);
    }

    /**
     * The machine the credential was issued to.
     *
     * @throws TrustRefusal BAD_CREDENTIAL when it is not one of ours, was altered, or has expired
     */
    public Machine verify(String credential) {
        if (credential == null || !credential.startsWith(PREFIX) || credential.length() > 2048) {
            throw bad("not a node credential", null);
        }
        String rest = credential.substring(PREFIX.length());
        int dot = rest.indexOf('.');
        if (dot < 0) {
            throw bad("not a node credential", null);
        }
        String body = rest.substring(0, dot);
        byte[] presented;
        JsonNode payload;
        try {
            presented = DECODER.decode(rest.substring(dot + 1));
            payload = JSON.readTree(DECODER.decode(body));
        } catch (IllegalArgumentException | IOException e) {
            throw bad("not a node credential", null);
        }
        if (!MessageDigest.isEqual(mac(body), presented) || payload == null || !payload.isObject()) {
            // The payload is unproven, but what it claims is what the audit line should name.
            throw bad("the credential's signature does not match", payload == null ? null
                    : "claims vmId " + payload.path("vmId").asText("?"));
        }
        Machine machine;
        try {
            machine = new Machine(Machine.Kind.valueOf(payload.path("kind").asText()), payload.path("vmId").asText(),
                    payload.path("name").asText(), text(payload, "computerName"), text(payload, "instanceId"));
        } catch (IllegalArgumentException e) {
            throw bad("the credential names no machine", null);
        }
        if (!clock.instant().isBefore(Instant.ofEpochSecond(payload.path("exp").asLong(0)))) {
            throw bad("the credential expired; attest again", machine.describe());
        }
        return machine;
    }

    private static String text(JsonNode payload, String field) {
        JsonNode value = payload.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private byte[] mac(String body) {
        return key.get().mac("node-credential", body.getBytes(StandardCharsets.US_ASCII));
    }

    private static TrustRefusal bad(String message, String claimed) {
        return new TrustRefusal(Kind.BAD_CREDENTIAL, message, claimed);
    }

    /** Optional.empty() for anything that does not look like a credential, so callers can tell "none" from "bad". */
    static Optional<String> bearer(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        String value = authorization.trim();
        return value.regionMatches(true, 0, "Bearer ", 0, 7) ? Optional.of(value.substring(7).trim()) : Optional.empty();
    }
}
