package io.harbormaster.trust;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRejectedException;
import io.harbormaster.swarm.SwarmRole;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CallerRightsTest {
    private static final Instant NOW = Instant.parse("2026-12-06T08:00:00Z");
    private static final CallerRights.DrainBounds BOUNDS =
            new CallerRights.DrainBounds(Duration.ofSeconds(10), Duration.ofMinutes(30), Duration.ofMinutes(10));
    private final Machine agent = new Machine(Machine.Kind.AGENT, "vm-1", "agent000001", "agent000001", "1");
    private final Machine manager = new Machine(Machine.Kind.MANAGER, "vm-m", "master0", "master0", null);

    @Test
    void agentsGetWorkerTicketsManagersBoth() {
        assertDoesNotThrow(() -> CallerRights.mayJoin(agent, SwarmRole.WORKER));
        assertForbidden(() -> CallerRights.mayJoin(agent, SwarmRole.MANAGER));
        assertDoesNotThrow(() -> CallerRights.mayJoin(manager, SwarmRole.WORKER));
        assertDoesNotThrow(() -> CallerRights.mayJoin(manager, SwarmRole.MANAGER));
    }

    @Test
    void anAgentDrainsItselfForALeavingReason() {
        CallerRights.SelfDrain drain = CallerRights.selfDrain(agent, "", NOW, BOUNDS);
        assertEquals("agent000001", drain.node());
        assertEquals(DrainReason.SHUTDOWN, drain.order().reason());
        assertEquals(NOW.plus(Duration.ofMinutes(10)), drain.order().deadline().orElseThrow());
        for (String reason : new String[] {"shutdown", "terminate-notification", "preempt"}) {
            CallerRights.SelfDrain named = CallerRights.selfDrain(agent,
                    "{\"reason\":\"" + reason + "\",\"deadline\":\"PT5M\",\"node\":\"AGENT000001\"}", NOW, BOUNDS);
            assertEquals(reason, named.order().reason().wireName());
            assertEquals(NOW.plus(Duration.ofMinutes(5)), named.order().deadline().orElseThrow());
        }
    }

    @Test
    void anAgentMayNotDrainOthersDeleteOrPickOtherReasonsOrDeadlines() {
        assertForbidden(() -> CallerRights.selfDrain(agent, "{\"node\":\"agent000002\"}", NOW, BOUNDS));
        assertForbidden(() -> CallerRights.selfDrain(agent, "{\"deleteInstance\":true}", NOW, BOUNDS));
        assertForbidden(() -> CallerRights.selfDrain(agent, "{\"reason\":\"scale-in\"}", NOW, BOUNDS));
        assertForbidden(() -> CallerRights.selfDrain(agent, "{\"reason\":\"manual\"}", NOW, BOUNDS));
        assertForbidden(() -> CallerRights.selfDrain(agent, "{\"deadline\":\"PT2H\"}", NOW, BOUNDS));
        assertForbidden(() -> CallerRights.selfDrain(agent, "{\"deadline\":\"PT1S\"}", NOW, BOUNDS));
        assertForbidden(() -> CallerRights.selfDrain(manager, "", NOW, BOUNDS));
        assertForbidden(() -> CallerRights.ownNode(manager));
        assertEquals(DrainRejectedException.Kind.INVALID_BODY, assertThrows(DrainRejectedException.class,
                () -> CallerRights.selfDrain(agent, "{\"colour\":\"red\"}", NOW, BOUNDS)).kind());
        assertEquals(DrainRejectedException.Kind.INVALID_BODY, assertThrows(DrainRejectedException.class,
                () -> CallerRights.selfDrain(agent, "[", NOW, BOUNDS)).kind());
    }

    private static void assertForbidden(org.junit.jupiter.api.function.Executable call) {
        assertEquals(TrustRefusal.Kind.FORBIDDEN, assertThrows(TrustRefusal.class, call).kind());
    }
}
