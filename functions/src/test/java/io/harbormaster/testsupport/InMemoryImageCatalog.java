package io.harbormaster.testsupport;

import io.harbormaster.scaleset.ImageCatalog;
import io.harbormaster.scaleset.ScaleSetException;
import java.util.Map;
import java.util.Optional;

/**
 * An {@link ImageCatalog} in memory: the newest version under {@code latest} as the test publishes it, and (for a
 * gallery image) the running versions its disks show; counts reads.
 */
public final class InMemoryImageCatalog implements ImageCatalog {
    private String newest;
    private int reads;
    private boolean failing;
    private Map<String, String> disks;
    private int diskReads;

    /** The model says latest and {@code version} is the newest published; null: the model pins its version. */
    public synchronized InMemoryImageCatalog publish(String version) {
        newest = version;
        return this;
    }

    /** Reads fail (ARM unavailable) until told otherwise. */
    public synchronized void failing(boolean fail) {
        failing = fail;
    }

    public synchronized int reads() {
        return reads;
    }

    /**
     * The model is a gallery image: these are the versions its OS disks show, by instance id (an instance left out is
     * one whose disk ARM does not list); null: not a gallery image.
     */
    public synchronized InMemoryImageCatalog galleryDisks(Map<String, String> versions) {
        disks = versions == null ? null : Map.copyOf(versions);
        return this;
    }

    public synchronized int diskReads() {
        return diskReads;
    }

    @Override
    public synchronized Optional<Map<String, String>> runningVersions() {
        diskReads++;
        if (failing) {
            throw new ScaleSetException("ARM is unavailable (in-memory catalog told to fail)", true, null);
        }
        return Optional.ofNullable(disks);
    }

    @Override
    public synchronized Optional<String> newestUnderLatest() {
        reads++;
        if (failing) {
            throw new ScaleSetException("ARM is unavailable (in-memory catalog told to fail)", true, null);
        }
        return Optional.ofNullable(newest);
    }
}
