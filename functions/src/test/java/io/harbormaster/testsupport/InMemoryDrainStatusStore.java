package io.harbormaster.testsupport;

import io.harbormaster.drain.DrainCodec;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.drain.DrainStatusStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** An in-memory {@link DrainStatusStore}: one JSON document per hostname, with ETags that never repeat. */
public final class InMemoryDrainStatusStore implements DrainStatusStore {
    private record Entry(String json, String etag) {
    }

    // Sorted by key, as blob listings are; values kept as the codec writes them, so what it drops is lost here too.
    private final Map<String, Entry> entries = new TreeMap<>();
    private long etags;
    private int writes;
    private Runnable beforeNextDelete;

    /** Stores the status whatever is there, as an operator's upload would; for arranging a test. */
    public synchronized String put(DrainStatus status) {
        return store(status);
    }

    /** Stores {@code json} as the node's status as it is, readable or not; for a test of a corrupt blob. */
    public synchronized String putRaw(String hostname, String json) {
        String etag = "\"0x" + Long.toHexString(++etags) + "\"";
        entries.put(DrainStatusStore.key(hostname), new Entry(json, etag));
        writes++;
        return etag;
    }

    /** Whether anything, readable or not, is stored for the hostname. */
    public synchronized boolean contains(String hostname) {
        return entries.containsKey(DrainStatusStore.key(hostname));
    }

    /** Runs {@code action} once, just before the next delete looks at the ETag: for a write racing a delete. */
    public synchronized void beforeNextDelete(Runnable action) {
        beforeNextDelete = action;
    }

    /** How many writes (creates, replaces, puts) succeeded, for tests that check a pass wrote at most once. */
    public synchronized int writes() {
        return writes;
    }

    @Override
    public synchronized Optional<Stored> read(String hostname) {
        Entry entry = entries.get(DrainStatusStore.key(hostname));
        return entry == null ? Optional.empty() : Optional.of(new Stored(DrainCodec.status(entry.json()), entry.etag()));
    }

    @Override
    public synchronized List<DrainStatus> list() {
        // As the adapter does: an entry the codec cannot decode is skipped, not thrown.
        List<DrainStatus> statuses = new ArrayList<>();
        for (Entry entry : entries.values()) {
            try {
                statuses.add(DrainCodec.status(entry.json()));
            } catch (RuntimeException unreadable) {
                // skipped
            }
        }
        return statuses;
    }

    @Override
    public synchronized boolean create(DrainStatus status) {
        if (entries.containsKey(status.key())) {
            return false;
        }
        store(status);
        return true;
    }

    @Override
    public synchronized boolean replace(DrainStatus status, String etag) {
        // If-Match on a blob that is gone fails as a mismatch does (412), rather than creating it.
        Entry current = entries.get(status.key());
        if (current == null || !current.etag().equals(etag)) {
            return false;
        }
        store(status);
        return true;
    }

    @Override
    public synchronized boolean delete(String hostname, String etag) {
        if (beforeNextDelete != null) {
            Runnable action = beforeNextDelete;
            beforeNextDelete = null;
            action.run();
        }
        // A changed or missing status is left alone and reported as not deleted, as the adapter answers 412 and 404.
        Entry current = entries.get(DrainStatusStore.key(hostname));
        if (current != null && current.etag().equals(etag)) {
            entries.remove(DrainStatusStore.key(hostname));
            return true;
        }
        return false;
    }

    private String store(DrainStatus status) {
        String etag = "\"0x" + Long.toHexString(++etags) + "\"";
        entries.put(status.key(), new Entry(DrainCodec.status(status), etag));
        writes++;
        return etag;
    }
}
