package io.harbormaster.drain;

import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.storage.StorageClients;
import io.harbormaster.storage.VersionedBlobs;
import com.azure.storage.blob.models.BlobItem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/** Drain statuses as one JSON blob per node in the {@code drain-status} container; ETags make writes compare-and-set. */
public final class BlobDrainStatusStore implements DrainStatusStore {
    public static final String CONTAINER = "drain-status";
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger LOG = Logger.getLogger(BlobDrainStatusStore.class.getName());

    private final BlobContainerClient container;
    private final VersionedBlobs blobs;

    BlobDrainStatusStore(BlobContainerClient container) {
        this.container = container;
        this.blobs = new VersionedBlobs(container);
    }

    public static BlobDrainStatusStore connect(StorageSettings settings) {
        return connect(StorageClients.connect(settings));
    }

    public static BlobDrainStatusStore connect(StorageClients storage) {
        return new BlobDrainStatusStore(storage.container(CONTAINER,
                new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3, 10, 200L, 2000L, null)));
    }

    /** Creates the container when missing; the control plane calls it on the first use of the store. */
    public BlobDrainStatusStore ensureContainer() {
        container.createIfNotExists();
        return this;
    }

    @Override
    public Optional<Stored> read(String hostname) {
        return blobs.read(name(hostname))
                .map(versioned -> new Stored(DrainCodec.status(versioned.text()), versioned.etag()));
    }

    @Override
    public List<DrainStatus> list() {
        List<DrainStatus> statuses = new ArrayList<>();
        for (BlobItem item : container.listBlobs(null, CALL_TIMEOUT)) {
            if (item.getName().endsWith(".json")) {
                download(item.getName()).flatMap(text -> decodeOrSkip(item.getName(), text)).ifPresent(statuses::add);
            }
        }
        return statuses;
    }

    /**
     * One blob nobody can read (hand-edited, truncated, written by a future version) must not blind every capacity
     * check: it is skipped with a warning that names it. Only the exception's type is logged, as the codec's and
     * Jackson's messages can quote the blob's text.
     */
    static Optional<DrainStatus> decodeOrSkip(String blobName, String text) {
        try {
            return Optional.of(DrainCodec.status(text));
        } catch (RuntimeException e) {
            LOG.warning("drain status " + CONTAINER + "/" + blobName + " is unreadable (" + e.getClass().getSimpleName()
                    + "); skipped, and left in place for an operator to fix or delete");
            return Optional.empty();
        }
    }

    /** The blob's text, or none when it was deleted since it was listed. */
    private Optional<String> download(String blobName) {
        try {
            return Optional.of(container.getBlobClient(blobName)
                    .downloadContentWithResponse(null, null, CALL_TIMEOUT, Context.NONE).getValue().toString());
        } catch (BlobStorageException e) {
            if (e.getErrorCode() == BlobErrorCode.BLOB_NOT_FOUND || e.getStatusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public boolean create(DrainStatus status) {
        return blobs.create(name(status.request().hostname()), DrainCodec.status(status));
    }

    @Override
    public boolean replace(DrainStatus status, String etag) {
        return blobs.replace(name(status.request().hostname()), DrainCodec.status(status), etag);
    }

    @Override
    public boolean delete(String hostname, String etag) {
        try {
            blob(hostname).deleteWithResponse(DeleteSnapshotsOptionType.INCLUDE,
                    new BlobRequestConditions().setIfMatch(etag), CALL_TIMEOUT, Context.NONE);
            return true;
        } catch (BlobStorageException e) {
            // 404: already gone; 412: written since it was read, so it is no longer the version meant.
            if (e.getStatusCode() != 404 && e.getStatusCode() != 412) {
                throw e;
            }
            return false;
        }
    }

    private BlobClient blob(String hostname) {
        return container.getBlobClient(name(hostname));
    }

    private static String name(String hostname) {
        return DrainStatusStore.key(hostname) + ".json";
    }
}
