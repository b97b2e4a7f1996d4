package io.harbormaster.lifecycle.upgrade;

import java.time.Duration;

/** The {@code upgrade-steps} queue: each message runs one pass of the upgrade. */
public interface UpgradeQueue {
    String NAME = "upgrade-steps";
    String POISON_NAME = NAME + "-poison";

    /** Sends the message, invisible for {@code delay}, never expiring. */
    void send(UpgradeCodec.Message message, Duration delay);
}
