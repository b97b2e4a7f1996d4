package io.harbormaster.capacity;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobDownloadContentResponse;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import com.azure.storage.blob.specialized.BlobLeaseClient;
import com.azure.storage.blob.specialized.BlobLeaseClientBuilder;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import com.azure.core.http.rest.Response;
import com.azure.core.util.Context;
import com.azure.storage.blob.models.BlockBlobItem;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.storage.StorageClients;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Capacity history as a JSON blob written with If-Match on the ETag read, a blob lease as the lock between
 * overlapping checks (a lease expires by itself, so a check that dies holding it blocks the next ones for at most
 * {@link #LEASE_SECONDS}), and the pause switch as a blob of its own.
 */
public final class BlobCapacityState implements CapacityState {
    public static final String CONTAINER = "capacity";
    static final int LEASE_SECONDS = 60;
    static final String HISTORY = "history.json";
    static final String PAUSE = "pause.json";
    private static final Logger LOG = Logger.getLogger(BlobCapacityState.class.getName());

    private final BlobContainerClient container;
    private final String historyBlob;

    BlobCapacityState(BlobContainerClient container) {
        this(container, HISTORY);
    }

    private BlobCapacityState(BlobContainerClient container, String historyBlob) {
        this.container = container;
        this.historyBlob = historyBlob;
    }

    public static BlobCapacityState connect(StorageSettings settings) {
        return connect(StorageClients.connect(settings));
    }

    public static BlobCapacityState connect(StorageClients storage) {
        return new BlobCapacityState(storage.container(CONTAINER,
                new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3, 10, 200L, 2000L, null)));
    }

    /**
     * The same container, lease and pause switch, with the history of pool {@code pool}: the pool named
     * {@link Pool#DEFAULT_NAME} keeps {@code history.json}, as the single scale set had it, so an upgrade keeps its
     * history; another pool's is {@code history-<pool>.json}.
     */
    public BlobCapacityState forPool(String pool) {
        return new BlobCapacityState(container, historyBlob(pool));
    }

    static String historyBlob(String pool) {
        return Pool.DEFAULT_NAME.equals(pool) ? HISTORY : "history-" + pool + ".json";
    }

    public BlobCapacityState ensureContainer() {
        container.createIfNotExists();
        BlobClient lock = container.getBlobClient("lease");
        if (!lock.exists()) {
            try {
                lock.upload(BinaryData.fromString(""), false);
            } catch (BlobStorageException e) {
                if (e.getStatusCode() != 409) {
                    throw e;
                }
            }
        }
        return this;
    }

    @Override
    public Optional<Lease> tryAcquire() {
        BlobLeaseClient lease = new BlobLeaseClientBuilder().blobClient(container.getBlobClient("lease")).buildClient();
        try {
            lease.acquireLease(LEASE_SECONDS);
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 409) {
                return Optional.empty();
            }
            throw e;
        }
        return Optional.of(new Lease() {
            @Override
            public boolean renew() {
                try {
                    // Storage renews an expired lease too, as long as no one has taken the blob's lease since.
                    lease.renewLease();
                    return true;
                } catch (BlobStorageException e) {
                    if (e.getStatusCode() == 409 || e.getStatusCode() == 412) {
                        LOG.warning("the capacity lease was lost: " + e.getErrorCode());
                        return false;
                    }
                    throw e;
                }
            }

            @Override
            public void close() {
                try {
                    lease.releaseLease();
                } catch (BlobStorageException e) {
                    LOG.fine("releasing the capacity lease: " + e.getStatusCode());
                }
            }
        });
    }

    @Override
    public Versioned readVersioned() {
        BlobClient blob = container.getBlobClient(historyBlob);
        try {
            BlobDownloadContentResponse response = blob.downloadContentWithResponse(null, null, null, Context.NONE);
            return new Versioned(CapacityHistoryCodec.read(response.getValue().toString()),
                    response.getDeserializedHeaders().getETag());
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return new Versioned(CapacityHistory.EMPTY, null);
            }
            throw e;
        }
    }

    @Override
    public Optional<String> writeHistory(CapacityHistory history, String expectedEtag) {
        BlobRequestConditions conditions = expectedEtag == null
                ? new BlobRequestConditions().setIfNoneMatch("*")
                : new BlobRequestConditions().setIfMatch(expectedEtag);
        try {
            Response<BlockBlobItem> written = container.getBlobClient(historyBlob).uploadWithResponse(
                    new BlobParallelUploadOptions(BinaryData.fromString(CapacityHistoryCodec.write(history)))
                            .setRequestConditions(conditions),
                    null, Context.NONE);
            return Optional.of(written.getValue().getETag());
        } catch (BlobStorageException e) {
            // 412: changed since read; 409: created meanwhile by another writer of a first history.
            if (e.getStatusCode() == 412 || e.getStatusCode() == 409) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public CapacityPause readPause() {
        try {
            return CapacityPause.fromJson(container.getBlobClient(PAUSE).downloadContent().toString());
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return CapacityPause.NEVER_CHANGED;
            }
            throw e;
        } catch (IllegalArgumentException e) {
            // Someone edited it by hand: nothing automatic happens until an operator sets it again through the route.
            LOG.warning("the capacity pause switch is unreadable, taken as paused: " + e.getMessage());
            return new CapacityPause(true, null, "the stored pause switch is unreadable (" + e.getMessage() + ")", null);
        }
    }

    @Override
    public void writePause(CapacityPause pause) {
        container.getBlobClient(PAUSE).upload(BinaryData.fromString(pause.toJson()), true);
    }
}
