package io.harbormaster.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DrainCodecTest {
    @Test
    void statusSurvivesTheRoundTrip() {
        Instant t = Instant.parse("2026-11-25T10:00:00Z");
        DrainStatus status = DrainStatus.requested(new DrainRequest("r", "worker-1", "n1", DrainReason.SHUTDOWN, true,
                        t.plusSeconds(600), t))
                .withCounts(3, 1).withInstanceDeleted().withDrainedAt(t.plusSeconds(5))
                .withLastError("manager down", t.plusSeconds(6)).claimed(4, "msg-9", t.plusSeconds(7))
                .withState(DrainState.TIMED_OUT, false).withTimedOut();
        assertEquals(status, DrainCodec.status(DrainCodec.status(status)));
    }

    @Test
    void everyStateKeepsItsWireName() {
        // Stored statuses outlive a deploy: existing names must not change.
        assertEquals(List.of("requested", "draining", "drained", "removed", "timed-out", "failed", "cancelled", "reactivated",
                        "stranded"),
                Arrays.stream(DrainState.values()).map(DrainState::wireName).toList());
        Instant t = Instant.parse("2026-11-25T10:00:00Z");
        DrainStatus reactivated = DrainStatus.requested(new DrainRequest("r", "worker-1", "n1", DrainReason.SCALE_IN, true,
                t.plusSeconds(600), t)).withTimedOut().withState(DrainState.REACTIVATED, true);
        assertTrue(DrainCodec.status(reactivated).contains("\"state\":\"reactivated\""));
        assertEquals(reactivated, DrainCodec.status(DrainCodec.status(reactivated)));
    }

    @Test
    void messageSurvivesTheRoundTripAndAnUnknownVersionIsRefused() {
        DrainMessage message = DrainMessage.of("r", "worker-1", 3);
        assertEquals(message, DrainCodec.message(DrainCodec.message(message)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DrainCodec.message("{\"version\":99,\"requestId\":\"r\",\"hostname\":\"w\",\"step\":0}"));
        assertTrue(e.getMessage().contains("version 99"), e.getMessage());
        assertEquals("r", DrainCodec.lenientMessage("{\"version\":99,\"requestId\":\"r\",\"hostname\":\"w\"}").requestId());
        assertThrows(IllegalArgumentException.class, () -> DrainCodec.message("not json"));
    }

    @Test
    void whyADrainIsStrandedSurvivesTheRoundTripAndAStatusWithoutItReadsWithNone() {
        Instant t = Instant.parse("2026-11-25T10:00:00Z");
        DrainStatus plain = DrainStatus.requested(new DrainRequest("r", "worker-1", "n1", DrainReason.SHUTDOWN, false,
                t.plusSeconds(600), t));
        assertFalse(DrainCodec.status(plain).contains("stranded"), "statuses never stranded are written as before");
        assertNull(DrainCodec.status(DrainCodec.status(plain)).stranded());

        DrainStatus stranded = plain.withStranded("2 replacements could not be placed").withState(DrainState.STRANDED, false);
        DrainStatus read = DrainCodec.status(DrainCodec.status(stranded));
        assertEquals(DrainState.STRANDED, read.state());
        assertEquals("2 replacements could not be placed", read.stranded());
    }

    @Test
    void theRecordedInstanceIdSurvivesTheRoundTripAndAStatusWrittenBeforeItReadsWithout() {
        Instant t = Instant.parse("2026-11-25T10:00:00Z");
        DrainStatus status = DrainStatus.requested(new DrainRequest("r", "worker-1", "n1", DrainReason.SCALE_IN, true,
                t.plusSeconds(600), t, "7"));
        assertEquals("7", DrainCodec.status(DrainCodec.status(status)).request().instanceId());

        String old = DrainCodec.status(status).replace(",\"instanceId\":\"7\"", "");
        assertFalse(old.contains("instanceId"), old);
        assertNull(DrainCodec.status(old).request().instanceId());
    }

    @Test
    void surgeEntriesSurviveTheRoundTripAndAStatusWithoutThemReadsWithNone() {
        Instant t = Instant.parse("2026-11-25T10:00:00Z");
        DrainStatus plain = DrainStatus.requested(new DrainRequest("r", "worker-1", "n1", DrainReason.MANUAL, false,
                t.plusSeconds(600), t));
        assertFalse(DrainCodec.status(plain).contains("surge"), "statuses without a surge are written as before");
        assertEquals(List.of(), DrainCodec.status(DrainCodec.status(plain)).surge());

        DrainStatus surged = plain.withSurge(List.of(
                new SurgeEntry("s1", "web", 4, 2, SurgeEntry.Phase.SURGED),
                new SurgeEntry("s2", "api", 3, 1, SurgeEntry.Phase.LEFT_ALONE)));
        assertTrue(DrainCodec.status(surged).contains("\"phase\":\"left-alone\""), DrainCodec.status(surged));
        assertEquals(surged, DrainCodec.status(DrainCodec.status(surged)));
        assertTrue(surged.surgeOutstanding());
        assertFalse(surged.withSurgePhase("s1", SurgeEntry.Phase.RESTORED).surgeOutstanding());
    }

    @Test
    void aDeallocatingDrainRoundTripsAndAStatusWithoutInstanceEndReadsAsItsDeleteInstanceSaid() {
        DrainRequest request = new DrainRequest("req-9", "worker-9", "node-9", DrainReason.SCALE_IN, InstanceEnd.DEALLOCATE,
                java.time.Instant.parse("2026-11-25T10:10:00Z"), java.time.Instant.parse("2026-11-25T10:00:00Z"), "9");
        DrainStatus started = DrainStatus.requested(request).withInstanceDeallocated();
        DrainStatus read = DrainCodec.status(DrainCodec.status(started));
        assertEquals(started, read);
        assertEquals(InstanceEnd.DEALLOCATE, read.request().instanceEnd());
        assertTrue(read.instanceDeallocated());

        String old = DrainCodec.status(DrainStatus.requested(new DrainRequest("req-8", "worker-8", "node-8",
                DrainReason.SCALE_IN, true, request.deadline(), request.requestedAt(), "8")))
                .replace(",\"instanceEnd\":\"delete\"", "");
        assertFalse(old.contains("instanceEnd"));
        DrainStatus oldRead = DrainCodec.status(old);
        assertEquals(InstanceEnd.DELETE, oldRead.request().instanceEnd());
        assertFalse(oldRead.instanceDeallocated());
    }
}
