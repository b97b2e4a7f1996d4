package io.harbormaster.local.samples.timer;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** Timer functions on a one-second schedule: a quick one, and a slow one that outlasts its own interval. */
public class TimerSamples {
    public static final Queue<String> TICK_INFOS = new ConcurrentLinkedQueue<>();
    public static final Queue<Long> TICK_TIMES = new ConcurrentLinkedQueue<>();
    public static final AtomicInteger SLOW_RUNS = new AtomicInteger();
    public static final AtomicInteger SLOW_RUNNING = new AtomicInteger();
    public static final AtomicInteger SLOW_MAX_CONCURRENT = new AtomicInteger();

    public static void reset() {
        TICK_INFOS.clear();
        TICK_TIMES.clear();
        SLOW_RUNS.set(0);
        SLOW_RUNNING.set(0);
        SLOW_MAX_CONCURRENT.set(0);
    }

    @FunctionName("tick")
    public void tick(@TimerTrigger(name = "timer", schedule = "*/1 * * * * *") String timerInfo,
            ExecutionContext context) {
        TICK_TIMES.add(System.currentTimeMillis());
        TICK_INFOS.add(timerInfo);
    }

    @FunctionName("slowTick")
    public void slowTick(@TimerTrigger(name = "timer", schedule = "%HARBORMASTER_TEST_SLOW_SCHEDULE%") String timerInfo)
            throws InterruptedException {
        int running = SLOW_RUNNING.incrementAndGet();
        SLOW_MAX_CONCURRENT.accumulateAndGet(running, Math::max);
        SLOW_RUNS.incrementAndGet();
        try {
            Thread.sleep(1_500);
        } finally {
            SLOW_RUNNING.decrementAndGet();
        }
    }
}
