package io.harbormaster.lifecycle;

import io.harbormaster.swarm.Service;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A move under way, recorded on the service itself: its replica count before the move and when the move started, as
 * service labels written in the same spec update that scales the service up by one. The intent is therefore exactly
 * as durable as the scale-up, and any later pass, after a redelivery or a restart, finds it and finishes it.
 */
public record MoveIntent(long originalReplicas, Instant since) {
    /** The replica count to go back to. */
    public static final String REPLICAS_LABEL = Service.MOVE_REPLICAS_LABEL;
    /** When the move started (ISO-8601), for its timeout. */
    public static final String SINCE_LABEL = "io.harbormaster.rebalance.since";
    /** {@code io.harbormaster.rebalance=disabled} keeps a service out of the rebalance. */
    public static final String OPT_OUT_LABEL = "io.harbormaster.rebalance";
    public static final String DISABLED = "disabled";

    /**
     * The move recorded on the service, or empty when none is. A replica count that does not parse is no intent of
     * ours; a start time that does not parse counts as long ago, so the move is finished at once.
     */
    public static Optional<MoveIntent> of(Service service) {
        OptionalLong original = service.replicasBeforeMove();
        if (original.isEmpty()) {
            return Optional.empty();
        }
        Instant since;
        try {
            since = Instant.parse(service.labels().getOrDefault(SINCE_LABEL, ""));
        } catch (DateTimeParseException e) {
            since = Instant.EPOCH;
        }
        return Optional.of(new MoveIntent(original.getAsLong(), since));
    }

    /** Whether the service carries any of our move labels, parsable or not. */
    public static boolean labelled(Service service) {
        return service.labels().containsKey(REPLICAS_LABEL) || service.labels().containsKey(SINCE_LABEL);
    }

    /** Whether the service opted out with {@code io.harbormaster.rebalance=disabled}. */
    public static boolean optedOut(Service service) {
        return DISABLED.equalsIgnoreCase(service.labels().getOrDefault(OPT_OUT_LABEL, "").trim());
    }

    /** The service's labels with this intent added. */
    public Map<String, String> labelsOn(Service service) {
        Map<String, String> labels = new HashMap<>(service.labels());
        labels.put(REPLICAS_LABEL, Long.toString(originalReplicas));
        labels.put(SINCE_LABEL, since.toString());
        return labels;
    }

    /** The service's labels without any intent. */
    public static Map<String, String> labelsWithout(Service service) {
        Map<String, String> labels = new HashMap<>(service.labels());
        labels.remove(REPLICAS_LABEL);
        labels.remove(SINCE_LABEL);
        return labels;
    }
}
