package io.harbormaster.emulator.cloud;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** One long-running operation: InProgress until its machine work ends, then Succeeded or Failed, once. */
public final class CloudOperation {
    private final Clock clock;
    private final CompletableFuture<OperationStatus> ended = new CompletableFuture<>();
    private volatile OperationStatus status;

    CloudOperation(Clock clock) {
        this.clock = clock;
        this.status = new OperationStatus(UUID.randomUUID().toString(), "InProgress", clock.instant(), null, null);
    }

    public String id() {
        return status.name();
    }

    public OperationStatus status() {
        return status;
    }

    synchronized void succeed() {
        end("Succeeded", null);
    }

    synchronized void fail(CloudError error) {
        end("Failed", error);
    }

    synchronized void cancel() {
        end("Canceled", null);
    }

    private void end(String result, CloudError error) {
        if (status.ended()) {
            return;
        }
        status = new OperationStatus(status.name(), result, status.startTime(), clock.instant(), error);
        ended.complete(status);
    }

    /** Waits for the operation to end, for tests and the lead's wiring; throws on timeout. */
    public OperationStatus await(Duration timeout) {
        try {
            return ended.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for operation " + id(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("operation " + id() + " did not end within " + timeout, e);
        }
    }
}
