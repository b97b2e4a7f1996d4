package io.harbormaster.lifecycle.upgrade;

import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.harbormaster.capacity.Pool;
import io.harbormaster.storage.StorageClients;
import io.harbormaster.storage.VersionedBlobs;
import java.util.Optional;

/** The upgrade's status as the blob {@code upgrade-status/upgrade.json}; ETags make writes compare-and-set. */
public final class BlobUpgradeStore implements UpgradeStore {
    public static final String CONTAINER = "upgrade-status";
    static final String BLOB = "upgrade.json";

    private final VersionedBlobs blobs;
    private final String firstPool;

    BlobUpgradeStore(VersionedBlobs blobs) {
        this(blobs, Pool.DEFAULT_NAME);
    }

    BlobUpgradeStore(VersionedBlobs blobs, String firstPool) {
        this.blobs = blobs;
        this.firstPool = firstPool;
    }

    /** @param firstPool the first pool's name: a status stored before pools covered that pool */
    public static BlobUpgradeStore connect(StorageClients storage, String firstPool) {
        return new BlobUpgradeStore(new VersionedBlobs(storage.container(CONTAINER,
                new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3, 10, 200L, 2000L, null))), firstPool);
    }

    /** Creates the container when missing; called on the store's first use. */
    public BlobUpgradeStore ensureContainer() {
        blobs.container().createIfNotExists();
        return this;
    }

    @Override
    public Optional<Stored> read() {
        return blobs.read(BLOB).map(versioned -> new Stored(UpgradeCodec.status(versioned.text(), firstPool), versioned.etag()));
    }

    @Override
    public Optional<String> create(UpgradeStatus status) {
        return blobs.createVersioned(BLOB, UpgradeCodec.status(status));
    }

    @Override
    public Optional<String> replace(UpgradeStatus status, String etag) {
        return blobs.replaceVersioned(BLOB, UpgradeCodec.status(status), etag);
    }
}
