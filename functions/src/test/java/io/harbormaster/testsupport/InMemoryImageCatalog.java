package io.harbormaster.testsupport;

import io.harbormaster.scaleset.ImageCatalog;
import io.harbormaster.scaleset.ScaleSetException;
import java.util.Optional;

/** An {@link ImageCatalog} in memory: the newest version under {@code latest} as the test publishes it; counts reads. */
public final class InMemoryImageCatalog implements ImageCatalog {
    private String newest;
    private int reads;
    private boolean failing;

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

    @Override
    public synchronized Optional<String> newestUnderLatest() {
        reads++;
        if (failing) {
            throw new ScaleSetException("ARM is unavailable (in-memory catalog told to fail)", true, null);
        }
        return Optional.ofNullable(newest);
    }
}
