package io.harbormaster.emulator.cloud;

import java.time.Instant;
import java.util.List;

/**
 * One scale set as ARM reports it; {@code etag} is the quoted string ARM puts in body and header ({@code "\"3\""});
 * {@code orchestrationMode} "Uniform" or "Flexible".
 */
public record ScaleSetSnapshot(
        String name,
        String location,
        String skuName,
        long capacity,
        List<String> zones,
        String priority,
        String evictionPolicy,
        String computerNamePrefix,
        ImageReference imageReference,
        TerminateNotification terminateNotification,
        String provisioningState,
        String etag,
        String uniqueId,
        Instant timeCreated,
        String orchestrationMode) {

    public boolean flexible() {
        return ScaleSetSpec.FLEXIBLE.equals(orchestrationMode);
    }
}
