package io.harbormaster.functions;

import java.lang.management.ManagementFactory;

/**
 * Milestones from JVM start to the first reply, printed to stderr only under {@code -Dharbormaster.startup.trace=true}:
 * what a cold start spends its time on, measured where it happens rather than guessed.
 */
public final class StartupTrace {
    /** The system property that turns the trace on. */
    public static final String PROPERTY = "harbormaster.startup.trace";
    private static final boolean ON = Boolean.getBoolean(PROPERTY);
    // The JVM's own start time, in milliseconds: the process's start from /proc is off by up to a second (the boot
    // time there is in whole seconds). Loading java.management costs a few milliseconds, only when tracing.
    private static final long JVM_START_MS = ON ? ManagementFactory.getRuntimeMXBean().getStartTime() : 0;

    private StartupTrace() {
    }

    /** Prints "[startup] +N ms what (thread)" when the trace is on; costs a boolean test otherwise. */
    public static void mark(String what) {
        if (ON) {
            System.err.println("[startup] +" + (System.currentTimeMillis() - JVM_START_MS) + " ms " + what
                    + " (" + Thread.currentThread().getName() + ")");
        }
    }

    public static boolean enabled() {
        return ON;
    }
}
