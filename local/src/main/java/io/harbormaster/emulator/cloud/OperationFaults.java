package io.harbormaster.emulator.cloud;

import java.time.Duration;
import java.util.Optional;

/** What a test or the lead's admin route can do to long-running operations: slow them, or make the next one fail. */
public interface OperationFaults {
    /** Extra time every operation takes before it completes, on top of the machines' own time. */
    Duration operationDelay();

    /** The failure the next operation to start ends with, consumed by that operation; empty for a normal run. */
    Optional<CloudError> takeOperationFailure();

    /** No faults: operations take the machines' time and succeed. */
    static OperationFaults none() {
        return new OperationFaults() {
            @Override
            public Duration operationDelay() {
                return Duration.ZERO;
            }

            @Override
            public Optional<CloudError> takeOperationFailure() {
                return Optional.empty();
            }
        };
    }
}
