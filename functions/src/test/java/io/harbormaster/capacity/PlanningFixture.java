package io.harbormaster.capacity;

import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequest;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small cluster for one rule's test, and the {@link PlanningContext} a check at {@link #NOW} builds from it. An
 * agent is a ready worker with an instance of its name; node ids are "id-" and the hostname.
 */
final class PlanningFixture {
    static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    static final long CPU = 1_000_000_000L;
    static final long GIB = 1L << 30;
    static final Resources AGENT = new Resources(2 * CPU, 8 * GIB);
    static final String NO_ROOM = "no suitable node (insufficient resources on 3 nodes)";

    final List<Node> nodes = new ArrayList<>();
    final List<Task> tasks = new ArrayList<>();
    final List<Service> services = new ArrayList<>();
    final List<ScaleSetInstance> instances = new ArrayList<>();
    final List<DrainStatus> drains = new ArrayList<>();
    /** The scale set's capacity; null for as many as it lists. */
    Long capacity;
    CapacityPolicy policy = CapacityPolicy.DEFAULTS;
    CapacityHistory history = CapacityHistory.EMPTY;
    private int taskIds;

    static Instant minutesAgo(long minutes) {
        return NOW.minus(Duration.ofMinutes(minutes));
    }

    Node agent(String name) {
        return agent(name, Node.Availability.ACTIVE, Node.State.READY, Map.of());
    }

    Node agent(String name, Node.Availability availability, Node.State state, Map<String, String> labels) {
        Node node = node(name, SwarmRole.WORKER, availability, state, labels);
        instance(name, minutesAgo(120));
        return node;
    }

    /** An agent whose instance ARM placed in {@code zone}. */
    Node agentInZone(String name, String zone) {
        Node node = node(name, SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY, Map.of());
        instance(new ScaleSetInstance(String.valueOf(instances.size()), name, ScaleSetInstance.PowerState.RUNNING,
                "Succeeded", minutesAgo(120), false, null, zone));
        return node;
    }

    Node node(String name, SwarmRole role, Node.Availability availability, Node.State state, Map<String, String> labels) {
        Node node = new Node("id-" + name, 1, name, role, availability, state, labels, AGENT, minutesAgo(60));
        nodes.add(node);
        return node;
    }

    /** A manager node, with its reachability as the managers report it; it has no instance. */
    Node manager(String name, Node.Reachability reachability) {
        Node node = new Node("id-" + name, 1, name, SwarmRole.MANAGER, Node.Availability.ACTIVE, Node.State.READY, Map.of(),
                AGENT, minutesAgo(60), reachability);
        nodes.add(node);
        return node;
    }

    ScaleSetInstance instance(String name, Instant createdAt) {
        return instance(new ScaleSetInstance(String.valueOf(instances.size()), name, ScaleSetInstance.PowerState.RUNNING,
                "Succeeded", createdAt, false));
    }

    ScaleSetInstance instance(ScaleSetInstance instance) {
        instances.add(instance);
        return instance;
    }

    Service service(String id, Service.Mode mode, double cpus, long memory, String... constraints) {
        Service service = new Service(id, id, mode, mode == Service.Mode.GLOBAL ? 0 : 1, reservation(cpus, memory),
                List.of(constraints));
        services.add(service);
        return service;
    }

    void run(String nodeName, String serviceId, double cpus, long memory) {
        tasks.add(new Task("t" + taskIds++, serviceId, "id-" + nodeName, "running", "running", "", reservation(cpus, memory),
                minutesAgo(30)));
    }

    void pending(int count, String serviceId, double cpus, long memory, String message) {
        for (int i = 0; i < count; i++) {
            tasks.add(new Task("t" + taskIds++, serviceId, null, "running", "pending", message, reservation(cpus, memory),
                    minutesAgo(1)));
        }
    }

    DrainStatus drain(String hostname, String requestId, DrainReason reason, DrainState state, boolean finished,
            Instant updatedAt) {
        DrainRequest request = new DrainRequest(requestId, hostname, "id-" + hostname, reason, reason == DrainReason.SCALE_IN,
                NOW.plus(Duration.ofMinutes(10)), updatedAt);
        DrainStatus status = new DrainStatus(request, state, finished, 0, 0, false, false,
                state == DrainState.FAILED ? "gave up" : null, null, null, null, 3, null, updatedAt);
        drains.add(status);
        return status;
    }

    CapacitySnapshot snapshot() {
        long reported = capacity == null ? instances.size() : capacity;
        return new CapacitySnapshot(nodes, tasks, services,
                new ScaleSetModel("/subscriptions/s/vmss", "agents", reported, "Standard_D2s_v5",
                        ScaleSetModel.OrchestrationMode.UNIFORM, "Succeeded", "etag-1"),
                instances, drains, NOW);
    }

    PlanningContext context() {
        return PlanningContext.of(snapshot(), policy, history, NOW);
    }

    /** A history whose last check saw the given nodes under the scale-in threshold since {@code since}. */
    static CapacityHistory underUtilisedSince(Instant since, String... hostnames) {
        Map<String, Instant> under = new HashMap<>();
        for (String hostname : hostnames) {
            under.put("id-" + hostname, since);
        }
        return new CapacityHistory(NOW.minusSeconds(30), under, Map.of(), Map.of(), null, null, null, List.of());
    }

    static List<String> lines(List<Note> notes) {
        return notes.stream().map(Note::line).toList();
    }

    static boolean mentions(List<Note> notes, String text) {
        return notes.stream().anyMatch(note -> note.line().contains(text));
    }

    private static Resources reservation(double cpus, long memory) {
        return new Resources((long) (cpus * CPU), memory);
    }
}
