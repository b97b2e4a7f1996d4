package io.harbormaster.testsupport;

import io.harbormaster.lifecycle.upgrade.UpgradeCodec;
import io.harbormaster.lifecycle.upgrade.UpgradeStatus;
import io.harbormaster.lifecycle.upgrade.UpgradeStore;
import java.util.Optional;

/** An in-memory {@link UpgradeStore} with ETags; it keeps the stored JSON, so the codec is exercised on every write. */
public final class InMemoryUpgradeStore implements UpgradeStore {
    private String json;
    private long version;
    private int writes;

    public synchronized int writes() {
        return writes;
    }

    @Override
    public synchronized Optional<Stored> read() {
        return json == null ? Optional.empty() : Optional.of(new Stored(UpgradeCodec.status(json), etag()));
    }

    @Override
    public synchronized Optional<String> create(UpgradeStatus status) {
        if (json != null) {
            return Optional.empty();
        }
        return Optional.of(put(status));
    }

    @Override
    public synchronized Optional<String> replace(UpgradeStatus status, String etag) {
        if (json == null || !etag().equals(etag)) {
            return Optional.empty();
        }
        return Optional.of(put(status));
    }

    private String put(UpgradeStatus status) {
        json = UpgradeCodec.status(status);
        version++;
        writes++;
        return etag();
    }

    private String etag() {
        return "\"" + version + "\"";
    }
}
