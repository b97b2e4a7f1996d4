package io.harbormaster.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The blob adapter's decoding of a listed blob, without storage: the listing itself is BlobDrainStatusStoreIT's. */
class BlobDrainStatusStoreTest {
    private final Logger log = Logger.getLogger(BlobDrainStatusStore.class.getName());
    private final List<String> warnings = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            warnings.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        log.addHandler(capture);
    }

    @AfterEach
    void stopListening() {
        log.removeHandler(capture);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"request\": SECRET-ish truncated",
            "{\"request\":{},\"state\":\"removed\"}",
            "{\"request\":{\"requestId\":\"r\",\"hostname\":\"h\",\"nodeId\":\"n\",\"reason\":\"manual\","
                    + "\"deadline\":\"SECRET-ish\",\"requestedAt\":\"2026-11-25T10:00:00Z\"},\"state\":\"removed\","
                    + "\"updatedAt\":\"2026-11-25T10:00:00Z\"}",
            "{\"request\":{\"requestId\":\"r\",\"hostname\":\"h\",\"nodeId\":\"n\",\"reason\":\"manual\","
                    + "\"deadline\":\"2026-11-25T10:00:00Z\",\"requestedAt\":\"2026-11-25T10:00:00Z\"},"
                    + "\"state\":\"SECRET-ish\",\"updatedAt\":\"2026-11-25T10:00:00Z\"}"})
    void anUnreadableBlobIsSkippedWithAWarningThatNamesItButNotItsText(String text) {
        assertEquals(Optional.empty(), BlobDrainStatusStore.decodeOrSkip("agent-7.json", text));

        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("drain-status/agent-7.json"), warnings.get(0));
        assertFalse(warnings.get(0).contains("SECRET"), warnings.get(0));
    }

    @Test
    void aReadableBlobIsDecoded() {
        Instant at = Instant.parse("2026-11-25T10:00:00Z");
        DrainStatus status = DrainStatus.requested(
                new DrainRequest("req-1", "agent-1", "id-agent-1", DrainReason.MANUAL, false, at.plusSeconds(600), at));

        assertEquals(Optional.of(status), BlobDrainStatusStore.decodeOrSkip("agent-1.json", DrainCodec.status(status)));
        assertEquals(List.of(), warnings);
    }
}
