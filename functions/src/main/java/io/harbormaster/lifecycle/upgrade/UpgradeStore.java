package io.harbormaster.lifecycle.upgrade;

import java.util.Optional;

/** The one rolling upgrade's durable status, written with compare-and-set as drain statuses are. */
public interface UpgradeStore {
    /** A status and the version it was read at. */
    record Stored(UpgradeStatus status, String etag) {
    }

    Optional<Stored> read();

    /** Creates the status unless one exists; its ETag, or empty when one exists. */
    Optional<String> create(UpgradeStatus status);

    /** Replaces the status read at {@code etag}; its new ETag, or empty when it changed since. */
    Optional<String> replace(UpgradeStatus status, String etag);
}
