package io.harbormaster.emulator.cloud;

import java.time.Instant;

/**
 * A long-running operation as its status endpoint reports it: status is InProgress, Succeeded, Failed or Canceled;
 * {@code endTime} and {@code error} are null until it ends (error only when Failed).
 */
public record OperationStatus(String name, String status, Instant startTime, Instant endTime, CloudError error) {
    public boolean ended() {
        return !status.equals("InProgress");
    }
}
