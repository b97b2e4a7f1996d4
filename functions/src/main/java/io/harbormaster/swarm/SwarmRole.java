package io.harbormaster.swarm;

import java.util.Locale;
import java.util.Optional;

/** The kind of node a join token admits to the swarm. */
public enum SwarmRole {
    WORKER,
    MANAGER;

    /** Parses the lower-case name used in URLs ({@code worker}, {@code manager}). */
    public static Optional<SwarmRole> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "worker" -> Optional.of(WORKER);
            case "manager" -> Optional.of(MANAGER);
            default -> Optional.empty();
        };
    }

    public String urlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
