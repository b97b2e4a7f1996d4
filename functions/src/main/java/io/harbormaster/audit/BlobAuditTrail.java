package io.harbormaster.audit;

import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.specialized.AppendBlobClient;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.harbormaster.storage.StorageClients;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Logger;

/**
 * The audit trail in the {@code audit} container: one append blob per hour ({@code events/2026/12/06/17.jsonl}), one
 * JSON line per event. Every app instance appends to the same blob: an Append Block is atomic, so lines from several
 * instances interleave but never tear (Learn: "Understanding block blobs, append blobs, and page blobs"). An hour that
 * fills its blob's 50,000 blocks goes on in {@code 17.1.jsonl}, {@code 17.2.jsonl}, ... Names sort in time order, so a
 * read lists from the hour of {@code since} on and pruning deletes whole hours. Nothing is sent until the first event
 * or read; the container is created by the first event.
 */
public final class BlobAuditTrail implements AuditTrail {
    public static final String CONTAINER = "audit";
    private static final String PREFIX = "events/";
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy/MM/dd/HH").withZone(ZoneOffset.UTC);
    private static final Logger LOG = Logger.getLogger(BlobAuditTrail.class.getName());
    /** The most parts one hour may have: far beyond any real cluster's events, a bound on a runaway writer. */
    private static final int MAX_PARTS_PER_HOUR = 100;

    private final BlobContainerClient container;

    BlobAuditTrail(BlobContainerClient container) {
        this.container = container;
    }

    public static BlobAuditTrail connect(StorageClients storage) {
        return new BlobAuditTrail(storage.container(CONTAINER,
                new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3, 10, 200L, 2000L, null)));
    }

    @Override
    public void record(AuditEvent event) {
        byte[] line = (AuditCodec.line(event) + "\n").getBytes(StandardCharsets.UTF_8);
        String hour = PREFIX + HOUR.format(event.at());
        try {
            for (int part = 0; part < MAX_PARTS_PER_HOUR; part++) {
                AppendBlobClient blob = container.getBlobClient(hour + (part == 0 ? "" : "." + part) + ".jsonl")
                        .getAppendBlobClient();
                try {
                    append(blob, line);
                    return;
                } catch (BlobStorageException e) {
                    if (e.getErrorCode() != BlobErrorCode.BLOCK_COUNT_EXCEEDS_LIMIT) {
                        throw e;
                    }
                }
            }
            throw new IllegalStateException("the hour " + hour + " has " + MAX_PARTS_PER_HOUR + " full parts");
        } catch (RuntimeException e) {
            // Never lost without a trace: the event goes to the log whole (it holds no secret), and the caller goes on.
            LOG.warning("audit event not stored (" + e.getClass().getSimpleName() + "): " + AuditCodec.line(event));
        }
    }

    private void append(AppendBlobClient blob, byte[] line) {
        try {
            blob.appendBlockWithResponse(new ByteArrayInputStream(line), line.length, null, null, CALL_TIMEOUT, Context.NONE);
        } catch (BlobStorageException e) {
            if (e.getErrorCode() != BlobErrorCode.BLOB_NOT_FOUND && e.getErrorCode() != BlobErrorCode.CONTAINER_NOT_FOUND) {
                throw e;
            }
            if (e.getErrorCode() == BlobErrorCode.CONTAINER_NOT_FOUND) {
                // The trail's first event ever: nothing is sent at startup, so the container is made on first use.
                container.createIfNotExists();
            }
            // The hour's first event: create the blob unless another instance just did, then append.
            try {
                blob.createIfNotExists();
            } catch (BlobStorageException raced) {
                if (raced.getStatusCode() != 409) {
                    throw raced;
                }
            }
            blob.appendBlockWithResponse(new ByteArrayInputStream(line), line.length, null, null, CALL_TIMEOUT, Context.NONE);
        }
    }

    @Override
    public List<AuditEvent> since(Instant since, int limit) {
        String from = PREFIX + HOUR.format(since);
        List<String> names = new ArrayList<>();
        for (String name : names()) {
            if (name.endsWith(".jsonl") && name.compareTo(from) >= 0) {
                names.add(name);
            }
        }
        names.sort(Comparator.naturalOrder());
        List<AuditEvent> events = new ArrayList<>();
        String hourRead = null;
        for (String name : names) {
            String hour = name.substring(0, PREFIX.length() + 13);
            // Parts of one hour are read together before the page may end: their events interleave in time.
            if (hourRead != null && !hour.equals(hourRead) && events.size() >= limit) {
                break;
            }
            hourRead = hour;
            String text = download(name);
            text.lines().map(AuditCodec::parse).flatMap(java.util.Optional::stream)
                    .filter(event -> event.at().isAfter(since)).forEach(events::add);
        }
        return AuditPage.of(events, limit);
    }

    private String download(String name) {
        try {
            return container.getBlobClient(name).downloadContentWithResponse(null, null, CALL_TIMEOUT, Context.NONE)
                    .getValue().toString();
        } catch (BlobStorageException e) {
            if (e.getErrorCode() == BlobErrorCode.BLOB_NOT_FOUND || e.getStatusCode() == 404) {
                return "";
            }
            throw e;
        }
    }

    @Override
    public int prune(Instant before) {
        // An hour's blob goes once its whole hour is older than the cut-off.
        String cut = PREFIX + HOUR.format(before.truncatedTo(ChronoUnit.HOURS));
        int deleted = 0;
        for (String name : names()) {
            if (name.compareTo(cut) < 0) {
                try {
                    container.getBlobClient(name).deleteIfExists();
                    deleted++;
                } catch (BlobStorageException e) {
                    LOG.warning("audit: could not delete " + name + ": " + e.getErrorCode());
                }
            }
        }
        return deleted;
    }

    /** Every stored part's name; none before the first event made the container. */
    private List<String> names() {
        List<String> names = new ArrayList<>();
        try {
            for (BlobItem item : container.listBlobs(new ListBlobsOptions().setPrefix(PREFIX), CALL_TIMEOUT)) {
                names.add(item.getName());
            }
        } catch (BlobStorageException e) {
            if (e.getErrorCode() != BlobErrorCode.CONTAINER_NOT_FOUND) {
                throw e;
            }
        }
        return names;
    }
}
