package io.harbormaster.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PollingBackoffTest {

    @Test
    void delaysDoubleUpToTheMaximumAndStartOverAfterReset() {
        PollingBackoff backoff = new PollingBackoff(Duration.ofMillis(100), Duration.ofSeconds(1));
        List<Long> delays = Stream.generate(backoff::next).limit(6).map(Duration::toMillis).toList();
        assertEquals(List.of(100L, 200L, 400L, 800L, 1000L, 1000L), delays);
        backoff.reset();
        assertEquals(Duration.ofMillis(100), backoff.next());
    }

    @Test
    void rejectsAnInvertedRange() {
        assertThrows(IllegalArgumentException.class,
                () -> new PollingBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }
}
