package io.harbormaster.drain;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Durable drain statuses, one per node hostname, with compare-and-set writes. */
public interface DrainStatusStore {
    /** A status and the version it was read at. */
    record Stored(DrainStatus status, String etag) {
    }

    Optional<Stored> read(String hostname);

    /**
     * Every stored status, one per node that was ever drained (and not expired since). A status that cannot be
     * decoded is skipped with a warning naming it, never thrown: one bad record must not stop every reader.
     */
    List<DrainStatus> list();

    /** Creates the status unless one exists for that hostname; false when one does. */
    boolean create(DrainStatus status);

    /** Replaces the status read at {@code etag}; false when it changed since. */
    boolean replace(DrainStatus status, String etag);

    /** Deletes the status read at {@code etag}, if it is still that version; false when it changed or is gone. */
    boolean delete(String hostname, String etag);

    static String key(String hostname) {
        return hostname.toLowerCase(Locale.ROOT);
    }
}
