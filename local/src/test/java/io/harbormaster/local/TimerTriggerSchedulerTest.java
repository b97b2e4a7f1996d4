package io.harbormaster.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import org.junit.jupiter.api.Test;

class TimerTriggerSchedulerTest {
    @Retention(RetentionPolicy.RUNTIME)
    @interface FutureTimerTrigger {
        boolean runOnStartup();
    }

    @FutureTimerTrigger(runOnStartup = true)
    private static final class RunsOnStartup {
    }

    @FutureTimerTrigger(runOnStartup = false)
    private static final class DoesNotRunOnStartup {
    }

    @Test
    void runOnStartupIsReadWhenTheAnnotationHasIt() {
        assertTrue(TimerTriggerScheduler.runOnStartup(RunsOnStartup.class.getAnnotation(FutureTimerTrigger.class)));
        assertEquals(false,
                TimerTriggerScheduler.runOnStartup(DoesNotRunOnStartup.class.getAnnotation(FutureTimerTrigger.class)));
        // Library 3.2.3's @TimerTrigger, like any annotation without the element, means "no".
        assertEquals(false, TimerTriggerScheduler.runOnStartup(RetentionHolder.class.getAnnotation(Retention.class)));
    }

    @Retention(RetentionPolicy.RUNTIME)
    private @interface RetentionHolder {
    }
}
