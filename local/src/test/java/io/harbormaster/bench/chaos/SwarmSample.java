package io.harbormaster.bench.chaos;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the swarm's manager and the emulated scale set showed at one moment of a chaos run: the nodes, every task the
 * manager still lists for the observed services (current and past), each service's desired replicas and CPU reservation
 * per task, and the scale set's instances.
 */
public record SwarmSample(long atMs, List<Node> nodes, List<Task> tasks, Map<String, Service> services,
                          List<Instance> instances) {

    /** A node of the swarm; {@code active} is availability Active (not Drain or Pause). */
    public record Node(String id, String hostname, boolean ready, boolean active, boolean worker, long nanoCpus) {
    }

    /** A task; states lower case as the manager reports them (running, pending, failed, rejected, shutdown...). */
    public record Task(String id, String service, int slot, String nodeHostname, String desiredState, String state) {
        boolean wanted() {
            return "running".equals(desiredState);
        }

        boolean running() {
            return wanted() && "running".equals(state);
        }

        /** Holds its node's resources: the scheduler counts a task from assignment until it is told to stop. */
        boolean reserving() {
            return wanted() && !nodeHostname.isEmpty();
        }
    }

    /** A service's desired replicas and the CPU each of its tasks reserves (billionths of a CPU). */
    public record Service(int desired, long nanoCpusPerTask) {
    }

    /** A scale-set instance: its VM name and computer name (the node's hostname). */
    public record Instance(String vmName, String computerName, String powerState) {
    }

    Optional<Node> node(String hostname) {
        return nodes.stream().filter(n -> n.hostname().equals(hostname)).findFirst();
    }

    long running(String service) {
        return tasks.stream().filter(t -> t.service().equals(service) && t.running()).count();
    }

    /** True when a Ready, Active worker has {@code nanoCpus} unreserved: the scheduler could place such a task. */
    boolean hasRoomFor(long nanoCpus) {
        for (Node node : nodes) {
            if (!node.ready() || !node.active() || !node.worker()) {
                continue;
            }
            long reserved = tasks.stream().filter(t -> t.reserving() && t.nodeHostname().equals(node.hostname()))
                    .mapToLong(t -> services.containsKey(t.service()) ? services.get(t.service()).nanoCpusPerTask() : 0)
                    .sum();
            if (node.nanoCpus() - reserved >= nanoCpus) {
                return true;
            }
        }
        return false;
    }
}
