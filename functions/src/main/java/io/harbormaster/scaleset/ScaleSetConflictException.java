package io.harbormaster.scaleset;

/** The scale set changed between the read and the write (ETag mismatch, HTTP 412); read again and re-plan. */
public class ScaleSetConflictException extends ScaleSetException {
    public ScaleSetConflictException(String message, Throwable cause) {
        super(message, true, cause);
    }
}
