package io.harbormaster.drain;

import java.util.Locale;
import java.util.Optional;

/** What a drain does with the node's scale-set instance once the node is drained: keep it, delete it, or deallocate it. */
public enum InstanceEnd {
    /** The VM stays as it is (a manual or shutdown drain). */
    KEEP,
    /** The VM is deleted, and the scale set's capacity drops with it. */
    DELETE,
    /**
     * The VM is deallocated: it keeps its disk and instance id and counts in the capacity, and a later scale-out
     * starts it again (a warm instance).
     */
    DEALLOCATE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<InstanceEnd> parse(String wireName) {
        for (InstanceEnd end : values()) {
            if (end.wireName().equals(wireName)) {
                return Optional.of(end);
            }
        }
        return Optional.empty();
    }

    /** The end a drain recorded with the old boolean {@code deleteInstance} stands for. */
    public static InstanceEnd of(boolean deleteInstance) {
        return deleteInstance ? DELETE : KEEP;
    }
}
