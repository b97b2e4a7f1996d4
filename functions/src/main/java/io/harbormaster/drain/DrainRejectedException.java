package io.harbormaster.drain;

/** A drain request that is refused before anything is queued; {@link #kind()} says why. */
public class DrainRejectedException extends RuntimeException {
    /** The reasons a drain request can be refused. */
    public enum Kind { INVALID_NODE_NAME, INVALID_BODY, UNKNOWN_NODE, MANAGER_NODE, AMBIGUOUS_NODE, NO_INSTANCE, NOT_CANCELLABLE }

    private final Kind kind;

    public DrainRejectedException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
