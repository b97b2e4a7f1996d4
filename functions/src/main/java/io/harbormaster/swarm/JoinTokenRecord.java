package io.harbormaster.swarm;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What the swarm records about its join tokens, never the tokens: the spec version an update must name, when the swarm
 * was created (its tokens were made then), and when our rotation last changed each role's token (spec labels).
 */
public record JoinTokenRecord(long version, Instant swarmCreatedAt, Map<SwarmRole, Instant> rotatedAt) {
    /** Spec label prefix; the full label is {@code io.harbormaster.join-token.<role>.rotated-at}. */
    public static final String LABEL_PREFIX = "io.harbormaster.join-token.";
    static final String LABEL_SUFFIX = ".rotated-at";

    public JoinTokenRecord {
        rotatedAt = Map.copyOf(rotatedAt);
    }

    /** The spec label that records when {@code role}'s token was last rotated by us. */
    public static String label(SwarmRole role) {
        return LABEL_PREFIX + role.urlName() + LABEL_SUFFIX;
    }

    /** When {@code role}'s current token was made, as far as the swarm says: our last rotation, else its creation. */
    public Instant tokenSince(SwarmRole role) {
        return Optional.ofNullable(rotatedAt.get(role)).orElse(swarmCreatedAt);
    }
}
