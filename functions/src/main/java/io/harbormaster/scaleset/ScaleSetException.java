package io.harbormaster.scaleset;

/** A scale-set call failed; {@link #retryable()} says whether trying again later can succeed. */
public class ScaleSetException extends RuntimeException {
    private final boolean retryable;

    public ScaleSetException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
