package io.harbormaster.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.harbormaster.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class NodeCredentialsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T08:00:00Z"));
    private final TrustKey key = TrustKey.generate();
    private final NodeCredentials credentials = new NodeCredentials(key, Duration.ofHours(1), clock);
    private final Machine agent = new Machine(Machine.Kind.AGENT, "vm-1", "agent000001", "agent000001", "1");

    @Test
    void aCredentialNamesItsMachineUntilItExpires() {
        NodeCredentials.Issued issued = credentials.issue(agent);
        assertEquals(clock.instant().plus(Duration.ofHours(1)), issued.expiresAt());
        assertEquals(agent, credentials.verify(issued.credential()));
        assertFalse(issued.toString().contains(issued.credential()), "toString redacts the credential");
        clock.advance(Duration.ofHours(1));
        assertEquals(TrustRefusal.Kind.BAD_CREDENTIAL,
                assertThrows(TrustRefusal.class, () -> credentials.verify(issued.credential())).kind());
    }

    @Test
    void anAlteredCredentialIsRefused() {
        String credential = credentials.issue(agent).credential();
        String[] parts = credential.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("AGENT", "MANAGER");
        String altered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertEquals(TrustRefusal.Kind.BAD_CREDENTIAL, assertThrows(TrustRefusal.class, () -> credentials.verify(altered)).kind());
    }

    @Test
    void aCredentialOfAnotherKeyOrGarbageIsRefused() {
        String foreign = new NodeCredentials(TrustKey.generate(), Duration.ofHours(1), clock).issue(agent).credential();
        for (String bad : new String[] {foreign, "", "hm1.", "hm1.x.y", "Bearer x", "hm1.!!!.###"}) {
            assertEquals(TrustRefusal.Kind.BAD_CREDENTIAL, assertThrows(TrustRefusal.class, () -> credentials.verify(bad)).kind(),
                    bad);
        }
    }
}
