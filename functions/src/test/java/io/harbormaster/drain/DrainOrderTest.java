package io.harbormaster.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DrainOrderTest {
    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

    @Test
    void anEmptyBodyIsAManualDrain() {
        assertEquals(DrainOrder.manual(), DrainOrder.parse("", NOW));
        assertEquals(DrainOrder.manual(), DrainOrder.parse(null, NOW));
    }

    @Test
    void readsReasonDeleteInstanceAndDeadline() {
        DrainOrder order = DrainOrder.parse(
                "{\"reason\":\"scale-in\",\"deleteInstance\":true,\"deadline\":\"2026-11-25T10:05:00Z\"}", NOW);
        assertEquals(new DrainOrder(DrainReason.SCALE_IN, true, Optional.of(NOW.plus(Duration.ofMinutes(5)))), order);
        assertEquals(Optional.of(NOW.plus(Duration.ofMinutes(7))),
                DrainOrder.parse("{\"deadline\":\"PT7M\"}", NOW).deadline());
        assertEquals(DrainReason.TERMINATE_NOTIFICATION,
                DrainOrder.parse("{\"reason\":\"terminate-notification\"}", NOW).reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{", "[]", "\"scale-in\"", "{\"reason\":\"bored\"}", "{\"reason\":3}", "{\"deleteInstance\":\"yes\"}",
        "{\"deadline\":\"tomorrow\"}", "{\"deadline\":\"2026-11-25T09:00:00Z\"}", "{\"deadline\":\"P2D\"}",
        "{\"force\":true}"
    })
    void malformedBodiesAreRejectedNamingTheProblem(String body) {
        DrainRejectedException e = assertThrows(DrainRejectedException.class, () -> DrainOrder.parse(body, NOW));
        assertEquals(DrainRejectedException.Kind.INVALID_BODY, e.kind());
        assertTrue(e.getMessage().length() > 10, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-worker", "worker-", "a b", "a;rm -rf /", "$(id)", "worker_1", "..", "a..b", "é"})
    void nodeNamesOutsideHostnameCharactersAreRejected(String name) {
        DrainRejectedException e = assertThrows(DrainRejectedException.class, () -> DrainOrder.validNodeName(name));
        assertEquals(DrainRejectedException.Kind.INVALID_NODE_NAME, e.kind());
    }

    @Test
    void hostnamesAndNodeIdsAreAccepted() {
        assertEquals("swarm-worker000001", DrainOrder.validNodeName("swarm-worker000001"));
        assertEquals("vvoxk2tn7twmoiiwm7b99jfck", DrainOrder.validNodeName("vvoxk2tn7twmoiiwm7b99jfck"));
        assertEquals("node.internal.example", DrainOrder.validNodeName("node.internal.example"));
        assertThrows(DrainRejectedException.class, () -> DrainOrder.validNodeName("a".repeat(64)));
    }
}
