package io.harbormaster.emulator.cloud;

/**
 * A request the emulated cloud refuses before starting anything, with the HTTP status and ARM error code Azure uses
 * for it; {@code target} names the offending parameter when Azure names one.
 */
public final class CloudException extends RuntimeException {
    private final int status;
    private final String code;
    private final String target;

    public CloudException(int status, String code, String message, String target) {
        super(message);
        this.status = status;
        this.code = code;
        this.target = target;
    }

    public CloudException(int status, String code, String message) {
        this(status, code, message, null);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** May be null. */
    public String target() {
        return target;
    }
}
