package io.harbormaster.swarm;

/** CPU (in billionths of a core) and memory; a node's capacity or a task's reservation. */
public record Resources(long nanoCpus, long memoryBytes) {
    public static final Resources NONE = new Resources(0, 0);

    public Resources plus(Resources other) {
        return new Resources(nanoCpus + other.nanoCpus, memoryBytes + other.memoryBytes);
    }
}
