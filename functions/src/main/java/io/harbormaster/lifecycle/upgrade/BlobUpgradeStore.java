package io.harbormaster.lifecycle.upgrade;

import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.harbormaster.storage.StorageClients;
import io.harbormaster.storage.VersionedBlobs;
import java.util.Optional;

/** The upgrade's status as the blob {@code upgrade-status/upgrade.json}; ETags make writes compare-and-set. */
public final class BlobUpgradeStore implements UpgradeStore {
    public static final String CONTAINER = "upgrade-status";
    static final String BLOB = "upgrade.json";

    private final VersionedBlobs blobs;

    BlobUpgradeStore(VersionedBlobs blobs) {
        this.blobs = blobs;
    }

    public static BlobUpgradeStore connect(StorageClients storage) {
        return new BlobUpgradeStore(new VersionedBlobs(storage.container(CONTAINER,
                new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3, 10, 200L, 2000L, null))));
    }

    /** Creates the container when missing; called on the store's first use. */
    public BlobUpgradeStore ensureContainer() {
        blobs.container().createIfNotExists();
        return this;
    }

    @Override
    public Optional<Stored> read() {
        return blobs.read(BLOB).map(versioned -> new Stored(UpgradeCodec.status(versioned.text()), versioned.etag()));
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
