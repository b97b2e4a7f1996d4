package io.harbormaster.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OnFirstUseTest {
    /** A port of one method, as the storage ports are. */
    interface Counter {
        int next();
    }

    @Test
    void buildsOnTheFirstCallOnlyAndOnce() throws Exception {
        AtomicInteger builds = new AtomicInteger();
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        OnFirstUse<Counter> lazy = new OnFirstUse<>("counter", () -> {
            builds.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return calls::incrementAndGet;
        });
        Counter counter = lazy.as(Counter.class);
        assertEquals(0, builds.get(), "handing out the port builds nothing");
        assertTrue(counter.toString().contains("not used yet"), counter.toString());
        assertFalse(lazy.built());

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(counter::next));
            }
            release.countDown();
            for (Future<Integer> result : results) {
                result.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, builds.get(), "concurrent first calls wait for one build");
        assertEquals(4, calls.get());
        assertTrue(lazy.built());
        assertSame(lazy.get(), lazy.get());
    }

    @Test
    void aFailedBuildIsTriedAgainAndItsExceptionReachesTheCallerAsThrown() {
        AtomicInteger builds = new AtomicInteger();
        OnFirstUse<Counter> lazy = new OnFirstUse<>("flaky", () -> {
            if (builds.incrementAndGet() == 1) {
                throw new IllegalStateException("storage is down");
            }
            return () -> 7;
        });
        Counter counter = lazy.as(Counter.class);
        IllegalStateException down = assertThrows(IllegalStateException.class, counter::next);
        assertEquals("storage is down", down.getMessage());
        assertFalse(lazy.built());
        assertEquals(7, counter.next(), "the next call builds again");
        assertEquals(2, builds.get());
    }

    @Test
    void anExceptionOfThePortItselfIsNotWrapped() {
        Counter counter = new OnFirstUse<Counter>("throwing", () -> () -> {
            throw new UnsupportedOperationException("no");
        }).as(Counter.class);
        assertEquals("no", assertThrows(UnsupportedOperationException.class, counter::next).getMessage());
    }
}
