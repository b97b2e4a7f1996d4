package io.harbormaster.storage;

import com.azure.core.http.rest.Response;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import java.time.Duration;
import java.util.Optional;

/**
 * Text blobs of one container written with compare-and-set: created only where none is (If-None-Match), replaced only
 * at the ETag they were read at (If-Match). The state machines that survive redelivery (drains, upgrades) keep their
 * statuses this way.
 */
public final class VersionedBlobs {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    /** A blob's text and the ETag it was read at. */
    public record Versioned(String text, String etag) {
    }

    private final BlobContainerClient container;

    public VersionedBlobs(BlobContainerClient container) {
        this.container = container;
    }

    public BlobContainerClient container() {
        return container;
    }

    /** The blob's text and ETag, or empty when there is none. */
    public Optional<Versioned> read(String blobName) {
        try {
            var response = container.getBlobClient(blobName).downloadContentWithResponse(null, null, CALL_TIMEOUT, Context.NONE);
            return Optional.of(new Versioned(response.getValue().toString(), response.getDeserializedHeaders().getETag()));
        } catch (BlobStorageException e) {
            if (e.getErrorCode() == BlobErrorCode.BLOB_NOT_FOUND || e.getStatusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Creates the blob unless one exists; false when one does. */
    public boolean create(String blobName, String text) {
        return write(blobName, text, new BlobRequestConditions().setIfNoneMatch("*")).isPresent();
    }

    /** Replaces the blob read at {@code etag}; false when it changed since. */
    public boolean replace(String blobName, String text, String etag) {
        return write(blobName, text, new BlobRequestConditions().setIfMatch(etag)).isPresent();
    }

    /** Creates the blob unless one exists; its new ETag, or empty when one does. */
    public Optional<String> createVersioned(String blobName, String text) {
        return write(blobName, text, new BlobRequestConditions().setIfNoneMatch("*"));
    }

    /** Replaces the blob read at {@code etag}; its new ETag, or empty when it changed since. */
    public Optional<String> replaceVersioned(String blobName, String text, String etag) {
        return write(blobName, text, new BlobRequestConditions().setIfMatch(etag));
    }

    private Optional<String> write(String blobName, String text, BlobRequestConditions conditions) {
        BlobParallelUploadOptions options = new BlobParallelUploadOptions(BinaryData.fromString(text))
                .setRequestConditions(conditions);
        try {
            Response<BlockBlobItem> response = container.getBlobClient(blobName)
                    .uploadWithResponse(options, CALL_TIMEOUT, Context.NONE);
            return response.getStatusCode() / 100 == 2 ? Optional.of(response.getValue().getETag()) : Optional.empty();
        } catch (BlobStorageException e) {
            // 412: the ETag moved on; 409: If-None-Match found a blob already there.
            if (e.getStatusCode() == 412 || e.getStatusCode() == 409) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
