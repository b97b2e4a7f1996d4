package io.harbormaster.local;

import java.time.OffsetDateTime;

/** A received queue message as stored (text not yet decoded), with the metadata functions can bind. */
public record QueueMessage(String id, String popReceipt, long dequeueCount, OffsetDateTime insertionTime,
        OffsetDateTime nextVisibleTime, OffsetDateTime expirationTime, String text) {
}
