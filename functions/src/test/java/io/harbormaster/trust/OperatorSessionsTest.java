package io.harbormaster.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class OperatorSessionsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
    private final TrustKey key = TrustKey.generate();
    private final OperatorSessions sessions = new OperatorSessions(() -> key, Duration.ofHours(8), clock);
    private final OperatorSessions.Operator alice = new OperatorSessions.Operator("operator", "key");

    @Test
    void aTokenWeIssuedNamesItsOperatorUntilItExpires() {
        String token = sessions.issue(alice);
        assertTrue(token.startsWith("hmo1."), token);
        assertEquals(alice, sessions.verify(token).orElseThrow());
        clock.advance(Duration.ofHours(8).minusSeconds(1));
        assertTrue(sessions.verify(token).isPresent());
        clock.advance(Duration.ofSeconds(1));
        assertFalse(sessions.verify(token).isPresent(), "expired");
    }

    @Test
    void anAlteredForeignOrMalformedTokenIsRefused() {
        String token = sessions.issue(alice);
        String body = token.substring(5, token.lastIndexOf('.'));
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"sub\":\"mallory\",\"via\":\"key\",\"exp\":9999999999}".getBytes(StandardCharsets.UTF_8));
        assertFalse(sessions.verify(token.replace(body, forged)).isPresent(), "altered payload");
        assertFalse(new OperatorSessions(TrustKey::generate, Duration.ofHours(8), clock).verify(token).isPresent(),
                "another key's token");
        for (String bad : new String[] {null, "", "hmo1.", "hmo1.abc", "hmo1.!!.??", "hm1." + body + ".x",
                token + "x", "x".repeat(5000)}) {
            assertFalse(sessions.verify(bad).isPresent(), String.valueOf(bad));
        }
    }

    @Test
    void sessionsAndNodeCredentialsNeverPassForEachOther() {
        // The same trust key signs both, under different subkeys.
        NodeCredentials credentials = new NodeCredentials(key, Duration.ofHours(1), clock);
        String credential = credentials.issue(new Machine(Machine.Kind.AGENT, "vm-1", "agents_1", "agent000001", "1")).credential();
        assertFalse(sessions.verify("hmo1." + credential.substring(4)).isPresent());
    }
}
