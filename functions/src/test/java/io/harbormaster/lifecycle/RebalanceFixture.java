package io.harbormaster.lifecycle;

import io.harbormaster.capacity.CapacitySnapshot;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequest;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.Task;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A small cluster for one rebalance rule's test: ready active workers of 2 CPUs, node ids "id-" and the hostname. */
final class RebalanceFixture {
    static final Instant NOW = Instant.parse("2026-12-06T20:00:00Z");
    static final long CPU = 1_000_000_000L;
    static final Resources AGENT = new Resources(2 * CPU, 8L << 30);

    final List<Node> nodes = new ArrayList<>();
    final List<Task> tasks = new ArrayList<>();
    final List<Service> services = new ArrayList<>();
    final List<DrainStatus> drains = new ArrayList<>();
    private int taskIds;

    Node worker(String name) {
        return node(name, SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY, Map.of());
    }

    /** A ready active worker of 2 CPUs advertising these generic resources ({@code gpu} to 1). */
    Node worker(String name, Map<String, Long> generic) {
        Node node = new Node("id-" + name, 1, name, SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY, Map.of(),
                AGENT.withGeneric(generic), NOW.minusSeconds(3600));
        nodes.add(node);
        return node;
    }

    Node node(String name, SwarmRole role, Node.Availability availability, Node.State state, Map<String, String> labels) {
        Node node = new Node("id-" + name, 1, name, role, availability, state, labels, AGENT, NOW.minusSeconds(3600));
        nodes.add(node);
        return node;
    }

    Service service(String name, long replicas) {
        return service(name, replicas, Resources.NONE, List.of(), Map.of(), List.of());
    }

    Service service(String name, long replicas, Resources reservations, List<String> constraints,
            Map<String, String> labels, List<String> preferences) {
        Service service = new Service("svc-" + name, name, Service.Mode.REPLICATED, replicas, reservations, constraints, 7,
                labels, preferences);
        services.add(service);
        return service;
    }

    /** {@code count} running tasks of the service on the node. */
    void running(Service service, Node node, int count) {
        for (int i = 0; i < count; i++) {
            task(service, node, "running");
        }
    }

    Task task(Service service, Node node, String state) {
        Task task = new Task("task-" + (++taskIds), service.id(), node == null ? null : node.id(), "running", state, "",
                service.reservations(), NOW);
        tasks.add(task);
        return task;
    }

    void draining(Node node) {
        drains.add(DrainStatus.requested(new DrainRequest("req-" + node.hostname(), node.hostname(), node.id(),
                DrainReason.MANUAL, false, NOW.plusSeconds(600), NOW)));
    }

    /** The service with these labels added, in place of the one arranged. */
    Service relabel(Service service, Map<String, String> added, long replicas) {
        Map<String, String> labels = new HashMap<>(service.labels());
        labels.putAll(added);
        Service changed = new Service(service.id(), service.name(), service.mode(), replicas, service.reservations(),
                service.constraints(), service.version(), labels, service.preferences());
        services.replaceAll(existing -> existing.id().equals(service.id()) ? changed : existing);
        return changed;
    }

    RebalanceView view() {
        return new RebalanceView(nodes, tasks, services, drains, NOW);
    }

    CapacitySnapshot snapshot() {
        return new CapacitySnapshot(nodes, tasks, services, new ScaleSetModel("ss", "ss", nodes.size(), "sku",
                ScaleSetModel.OrchestrationMode.UNIFORM, "Succeeded", "etag"), List.of(), drains, NOW);
    }
}
