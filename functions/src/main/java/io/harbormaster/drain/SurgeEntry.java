package io.harbormaster.drain;

import java.util.Locale;

/**
 * One service a surge drain scales up while its node leaves, as recorded in the drain status before the service is
 * touched: its replica count before the surge and how many replicas the node ran. The recorded count is what the
 * service goes back to, once, whatever pass or delivery does it.
 */
public record SurgeEntry(String serviceId, String serviceName, long originalReplicas, long added, Phase phase) {

    /** Where the surge of one service stands. */
    public enum Phase {
        /** On record, not scaled yet. */
        PLANNED,
        /** Scaled up to {@code originalReplicas + added}; to be scaled back. */
        SURGED,
        /** Back at {@code originalReplicas}, or gone: nothing left to do. */
        RESTORED,
        /** Someone else changed the replica count meanwhile: theirs stands, and we leave the service alone. */
        LEFT_ALONE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Phase parse(String wire) {
            return valueOf(wire.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    public long surgedReplicas() {
        return originalReplicas + added;
    }

    SurgeEntry withPhase(Phase next) {
        return new SurgeEntry(serviceId, serviceName, originalReplicas, added, next);
    }
}
