package io.harbormaster.capacity;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.specialized.BlobLeaseClient;
import com.azure.storage.blob.specialized.BlobLeaseClientBuilder;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.storage.StorageClients;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Capacity history as a JSON blob, and a blob lease as the lock between overlapping checks: a lease expires by
 * itself, so a check that dies holding it blocks the next ones for at most {@link #LEASE_SECONDS}.
 */
public final class BlobCapacityState implements CapacityState {
    public static final String CONTAINER = "capacity";
    static final int LEASE_SECONDS = 60;
    private static final Logger LOG = Logger.getLogger(BlobCapacityState.class.getName());

    private final BlobContainerClient container;

    BlobCapacityState(BlobContainerClient container) {
        this.container = container;
    }

    public static BlobCapacityState connect(StorageSettings settings) {
        return connect(StorageClients.connect(settings));
    }

    public static BlobCapacityState connect(StorageClients storage) {
        return new BlobCapacityState(storage.container(CONTAINER,
                new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3, 10, 200L, 2000L, null)));
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
        return Optional.of(() -> {
            try {
                lease.releaseLease();
            } catch (BlobStorageException e) {
                LOG.fine("releasing the capacity lease: " + e.getStatusCode());
            }
        });
    }

    @Override
    public CapacityHistory readHistory() {
        BlobClient blob = container.getBlobClient("history.json");
        try {
            return CapacityHistoryCodec.read(blob.downloadContent().toString());
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return CapacityHistory.EMPTY;
            }
            throw e;
        }
    }

    @Override
    public void writeHistory(CapacityHistory history) {
        container.getBlobClient("history.json").upload(BinaryData.fromString(CapacityHistoryCodec.write(history)), true);
    }
}
