package io.harbormaster.drain;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Why a node is leaving; recorded with the request and shown in its status. SHUTDOWN, TERMINATE_NOTIFICATION and
 * PREEMPT (a Spot eviction's Preempt event) are VMs that go anyway, so their drains remove the node at the deadline.
 */
public enum DrainReason {
    SHUTDOWN, TERMINATE_NOTIFICATION, PREEMPT, SCALE_IN, MANUAL;

    /** The name on the wire: {@code terminate-notification}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Optional<DrainReason> parse(String text) {
        return Arrays.stream(values()).filter(reason -> reason.wireName().equals(text)).findFirst();
    }

    public static String expected() {
        return String.join(", ", Arrays.stream(values()).map(DrainReason::wireName).toList());
    }
}
