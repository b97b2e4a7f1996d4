package io.harbormaster.local;

/** The local host cannot start; the message says why in one line, without secrets. */
public final class LocalHostStartupException extends RuntimeException {
    public LocalHostStartupException(String message) {
        super(message);
    }

    public LocalHostStartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
