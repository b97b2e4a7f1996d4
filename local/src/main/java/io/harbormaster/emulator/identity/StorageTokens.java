package io.harbormaster.emulator.identity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;

/**
 * Access tokens for Azure Storage: JWTs in the shape of Microsoft Entra ID's v1 access tokens (Learn: "Access token
 * claims reference"), which Azurite accepts in its OAuth "basic" mode. Azurite 3.35.0 (QueueTokenAuthenticator and
 * BlobTokenAuthenticator in its npm package) decodes the token without checking the signature and checks that
 * {@code nbf}, {@code exp} and {@code iat} are present, that now lies between {@code nbf} and {@code exp}, that
 * {@code iss} starts with one of its VALID_ISSUE_PREFIXES ({@code https://sts.windows.net/} among them) and that
 * {@code aud} matches one of its VALID_BLOB_AUDIENCES / VALID_QUEUE_AUDIENCES ({@code https://storage.azure.com},
 * with or without the slash). The tokens are signed RS256 all the same, with a key made for this process, so that
 * they are well-formed JWTs; nobody verifies that signature, and the emulator publishes no key set.
 */
public final class StorageTokens {
    /** The storage resource as a managed identity request names it; the SDK drops the slash of its scope. */
    public static final Set<String> AUDIENCES = Set.of("https://storage.azure.com/", "https://storage.azure.com");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final KeyPair key;
    private final String keyId;
    private final String tenantId;
    private final Clock clock;
    private final Duration lifetime;

    public StorageTokens(String tenantId, Clock clock, Duration lifetime) {
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("lifetime must be positive");
        }
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            this.key = generator.generateKeyPair();
            this.keyId = BASE64URL.encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(key.getPublic().getEncoded())).substring(0, 27);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no RSA in this JVM", e);
        }
        this.tenantId = tenantId;
        this.clock = clock;
        this.lifetime = lifetime;
    }

    /** A random tenant, the system clock, and 24 hours as the identity endpoint's other tokens. */
    public StorageTokens() {
        this(UUID.randomUUID().toString(), Clock.systemUTC(), Duration.ofHours(24));
    }

    public String tenantId() {
        return tenantId;
    }

    /** The key a verifier would need; tests use it to show the signature is sound. */
    public PublicKey publicKey() {
        return key.getPublic();
    }

    /**
     * A token for {@code audience} (one of {@link #AUDIENCES}) of the identity {@code clientId} (the application id)
     * and {@code principalId} (its service principal's object id).
     */
    public TokenBook.IssuedToken issue(String audience, String clientId, String principalId) {
        if (!AUDIENCES.contains(audience)) {
            throw new IllegalArgumentException("not a storage audience: " + audience);
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expiresOn = now.plus(lifetime);
        ObjectNode header = JSON.createObjectNode().put("typ", "JWT").put("alg", "RS256").put("kid", keyId);
        ObjectNode claims = JSON.createObjectNode()
                // Entra ID writes the resource without its trailing slash into aud; Azurite accepts both.
                .put("aud", audience.replaceAll("/$", ""))
                .put("iss", "https://sts.windows.net/" + tenantId + "/")
                .put("iat", now.getEpochSecond())
                .put("nbf", now.getEpochSecond())
                .put("exp", expiresOn.getEpochSecond())
                .put("appid", clientId)
                .put("appidacr", "2")
                .put("idp", "https://sts.windows.net/" + tenantId + "/")
                .put("idtyp", "app")
                .put("oid", principalId)
                .put("sub", principalId)
                .put("tid", tenantId)
                .put("ver", "1.0");
        try {
            String signed = BASE64URL.encodeToString(JSON.writeValueAsBytes(header)) + "."
                    + BASE64URL.encodeToString(JSON.writeValueAsBytes(claims));
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(key.getPrivate());
            rs256.update(signed.getBytes(StandardCharsets.US_ASCII));
            return new TokenBook.IssuedToken(signed + "." + BASE64URL.encodeToString(rs256.sign()), expiresOn);
        } catch (GeneralSecurityException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot sign a storage token", e);
        }
    }

    @Override
    public String toString() {
        return "StorageTokens[tenant " + tenantId + ", key " + keyId + "]";
    }
}
