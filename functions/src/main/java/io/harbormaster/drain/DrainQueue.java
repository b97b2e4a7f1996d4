package io.harbormaster.drain;

import java.time.Duration;

/** The {@code drain-requests} queue, as the drain path writes to it. */
public interface DrainQueue {
    String NAME = "drain-requests";
    String POISON_NAME = NAME + "-poison";

    /** Sends the message, invisible for {@code delay}, and never expiring: a drain request must not be lost. */
    void send(DrainMessage message, Duration delay);
}
