package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.harbormaster.swarm.SwarmUnavailableException;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class SharedSnapshotTest {
    private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");
    private static final Duration MAX_AGE = Duration.ofSeconds(2);
    private final MutableClock clock = new MutableClock(T0);
    private final AtomicInteger taken = new AtomicInteger();
    private final InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);

    private CapacitySnapshot snapshot() {
        taken.incrementAndGet();
        return new CapacitySnapshot(List.of(), List.of(), List.of(), scaleSet.describe(), List.of(), List.of(),
                clock.instant());
    }

    @Test
    void aSnapshotIsTakenAgainOnlyOnceItIsTwoSecondsOld() {
        SharedSnapshot<CapacitySnapshot> shared = new SharedSnapshot<>(this::snapshot, CapacitySnapshot::takenAt, clock,
                MAX_AGE);
        CapacitySnapshot first = shared.get();
        clock.advance(Duration.ofMillis(1999));
        assertSame(first, shared.get());
        assertEquals(1, taken.get());
        clock.advance(Duration.ofMillis(1));
        assertEquals(clock.instant(), shared.get().takenAt());
        assertEquals(2, taken.get());
    }

    @Test
    void callersThatArriveTogetherWaitForTheOneTake() throws Exception {
        CountDownLatch inTake = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Supplier<CapacitySnapshot> slow = () -> {
            inTake.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return snapshot();
        };
        SharedSnapshot<CapacitySnapshot> shared = new SharedSnapshot<>(slow, CapacitySnapshot::takenAt, clock, MAX_AGE);
        ExecutorService viewers = Executors.newFixedThreadPool(8);
        try {
            Future<CapacitySnapshot> leader = viewers.submit(shared::get);
            inTake.await();
            List<Future<CapacitySnapshot>> others = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                others.add(viewers.submit(shared::get));
            }
            release.countDown();
            CapacitySnapshot one = leader.get();
            for (Future<CapacitySnapshot> other : others) {
                assertSame(one, other.get());
            }
            assertEquals(1, taken.get());
        } finally {
            viewers.shutdownNow();
        }
    }

    @Test
    void aFailedTakeIsAnsweredAgainWithoutAskingUntilItIsTwoSecondsOld() {
        AtomicInteger attempts = new AtomicInteger();
        SharedSnapshot<CapacitySnapshot> shared = new SharedSnapshot<>(() -> {
            attempts.incrementAndGet();
            throw new SwarmUnavailableException("no manager answered");
        }, CapacitySnapshot::takenAt, clock, MAX_AGE);
        assertThrows(SwarmUnavailableException.class, shared::get);
        assertThrows(SwarmUnavailableException.class, shared::get);
        assertEquals(1, attempts.get());
        clock.advance(MAX_AGE);
        assertThrows(SwarmUnavailableException.class, shared::get);
        assertEquals(2, attempts.get());
    }
}
