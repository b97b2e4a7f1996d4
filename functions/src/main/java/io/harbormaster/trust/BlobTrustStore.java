package io.harbormaster.trust;

import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.storage.StorageClients;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.logging.Logger;

/**
 * The trust state every app instance shares, in the {@code harbormaster-trust} container: the generated trust key
 * (when no setting gives one), and one empty blob per used attested document, {@code replay/<nonce>/<vmId>}, created
 * with If-None-Match: * so exactly one use, on any instance, wins. Markers older than the nonce lifetime can no longer
 * match an accepted nonce and are swept, a bounded number at a time.
 */
public final class BlobTrustStore implements ReplayGuard {
    public static final String CONTAINER = "harbormaster-trust";
    static final String KEY_BLOB = "trust-key";
    static final String REPLAY_PREFIX = "replay/";
    static final Duration SWEEP_EVERY = Duration.ofMinutes(5);
    static final int SWEEP_AT_MOST = 200;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger LOG = Logger.getLogger(BlobTrustStore.class.getName());

    private final BlobContainerClient container;
    private final Duration keepMarkers;
    private final Clock clock;
    private volatile Instant nextSweep = Instant.MIN;

    BlobTrustStore(BlobContainerClient container, Duration keepMarkers, Clock clock) {
        this.container = container;
        this.keepMarkers = keepMarkers;
        this.clock = clock;
    }

    /** @param keepMarkers how long a replay marker must outlive its use: the nonce lifetime and the clock skew */
    public static BlobTrustStore connect(StorageSettings settings, Duration keepMarkers, Clock clock) {
        return connect(StorageClients.connect(settings), keepMarkers, clock);
    }

    /** @param keepMarkers how long a replay marker must outlive its use: the nonce lifetime and the clock skew */
    public static BlobTrustStore connect(StorageClients storage, Duration keepMarkers, Clock clock) {
        BlobContainerClient container = storage.container(CONTAINER,
                new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3, 10, 200L, 2000L, null));
        return new BlobTrustStore(container, keepMarkers, clock);
    }

    public BlobTrustStore ensureContainer() {
        container.createIfNotExists();
        return this;
    }

    /**
     * The key kept in storage, created by the first instance that asks: a generated key is written only where none
     * is, and every instance then reads the one that won.
     */
    public TrustKey storedKey() {
        BlobClient blob = container.getBlobClient(KEY_BLOB);
        try {
            String generated = Base64.getEncoder().encodeToString(TrustKey.generate().bytes());
            blob.uploadWithResponse(new BlobParallelUploadOptions(BinaryData.fromString(generated))
                    .setRequestConditions(new BlobRequestConditions().setIfNoneMatch("*")), CALL_TIMEOUT, Context.NONE);
            LOG.info("trust key generated and kept in blob " + CONTAINER + "/" + KEY_BLOB);
        } catch (BlobStorageException e) {
            if (e.getStatusCode() != 409 && e.getStatusCode() != 412) {
                throw e;
            }
        }
        String stored = blob.downloadContent().toString().trim();
        return new TrustKey(Base64.getDecoder().decode(stored));
    }

    @Override
    public boolean firstUse(String nonce, String vmId) {
        BlobClient marker = container.getBlobClient(REPLAY_PREFIX + nonce + "/" + vmId.toLowerCase(java.util.Locale.ROOT));
        boolean first;
        try {
            marker.uploadWithResponse(new BlobParallelUploadOptions(BinaryData.fromString(""))
                    .setRequestConditions(new BlobRequestConditions().setIfNoneMatch("*")), CALL_TIMEOUT, Context.NONE);
            first = true;
        } catch (BlobStorageException e) {
            if (e.getStatusCode() != 409 && e.getStatusCode() != 412) {
                throw e;
            }
            first = false;
        }
        sweepWhenDue();
        return first;
    }

    /** Deletes markers older than they need to be; a failure waits for the next sweep. */
    void sweepWhenDue() {
        Instant now = clock.instant();
        if (now.isBefore(nextSweep)) {
            return;
        }
        nextSweep = now.plus(SWEEP_EVERY);
        Instant cutoff = now.minus(keepMarkers);
        int deleted = 0;
        try {
            for (BlobItem item : container.listBlobs(new ListBlobsOptions().setPrefix(REPLAY_PREFIX), CALL_TIMEOUT)) {
                if (deleted >= SWEEP_AT_MOST) {
                    break;
                }
                if (item.getProperties().getCreationTime() != null
                        && item.getProperties().getCreationTime().toInstant().isBefore(cutoff)) {
                    container.getBlobClient(item.getName()).deleteIfExists();
                    deleted++;
                }
            }
        } catch (RuntimeException e) {
            LOG.warning("sweeping replay markers failed: " + e.getClass().getSimpleName() + "; the next sweep tries again");
        }
        if (deleted > 0) {
            int count = deleted;
            LOG.fine(() -> "swept " + count + " replay markers");
        }
    }
}
