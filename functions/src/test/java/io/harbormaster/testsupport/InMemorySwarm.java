package io.harbormaster.testsupport;

import io.harbormaster.swarm.JoinTicket;
import io.harbormaster.swarm.JoinTokenRecord;
import io.harbormaster.swarm.SwarmVersionConflictException;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.NodeNotFoundException;
import io.harbormaster.swarm.NodeStillUpException;
import io.harbormaster.swarm.NodeVersionConflictException;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.ServiceVersionConflictException;
import io.harbormaster.swarm.Swarm;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.SwarmUnavailableException;
import io.harbormaster.swarm.Task;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** An in-memory {@link Swarm} whose nodes, services and tasks a test arranges and moves as swarm would. */
public final class InMemorySwarm implements Swarm {
    /** What a Standard_D2s_v5 agent reports to Docker: the size the arranged nodes get unless told otherwise. */
    public static final Resources AGENT = new Resources(2_000_000_000L, 8L << 30);

    private final Clock clock;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, Service> services = new LinkedHashMap<>();
    private final Map<String, Task> tasks = new LinkedHashMap<>();
    private final List<String> forcedRemovals = new ArrayList<>();
    private final List<String> replicaChanges = new ArrayList<>();
    private int taskIds;
    private boolean unavailable;
    private final Map<SwarmRole, Integer> tokenGeneration = new EnumMap<>(Map.of(SwarmRole.WORKER, 0, SwarmRole.MANAGER, 0));
    private final Map<SwarmRole, Instant> rotatedAt = new EnumMap<>(SwarmRole.class);
    private final Instant createdAt;
    private long swarmVersion = 1;
    private int portRotations;
    private int joinTicketReads;

    public InMemorySwarm(Clock clock) {
        this.clock = clock;
        this.createdAt = clock.instant();
    }

    // --- arranging ---------------------------------------------------------------------------------------------

    /** Adds a ready, active worker with id {@code id-<hostname>}. */
    public synchronized Node addWorker(String hostname) {
        return addNode(new Node("id-" + hostname, 1, hostname, SwarmRole.WORKER, Node.Availability.ACTIVE,
                Node.State.READY, Map.of(), AGENT, clock.instant()));
    }

    /** Adds a ready, active manager with id {@code id-<hostname>}. */
    public synchronized Node addManager(String hostname) {
        return addNode(new Node("id-" + hostname, 1, hostname, SwarmRole.MANAGER, Node.Availability.ACTIVE,
                Node.State.READY, Map.of(), AGENT, clock.instant()));
    }

    public synchronized Node addNode(Node node) {
        nodes.put(node.id(), node);
        return node;
    }

    public synchronized Service addService(Service service) {
        services.put(service.id(), service);
        return service;
    }

    /** Adds a task of {@code serviceId} that runs on the node (or, with a null node, waits unassigned). */
    public synchronized Task addTask(String serviceId, String nodeId, String state) {
        return addTask(serviceId, nodeId, state, Resources.NONE, "");
    }

    /** Adds a task that swarm wants running, with its reservations and the message swarm gives its state. */
    public synchronized Task addTask(String serviceId, String nodeId, String state, Resources reservations, String message) {
        Task task = new Task("task-" + ++taskIds, serviceId, nodeId, "running", state, message, reservations, clock.instant());
        tasks.put(task.id(), task);
        return task;
    }

    /** Sets the message swarm gives a task's state, as its scheduler does on one it found no node for. */
    public synchronized void setTaskMessage(String taskId, String message) {
        Task task = requireTask(taskId);
        tasks.put(taskId, new Task(task.id(), task.serviceId(), task.nodeId(), task.desiredState(), task.state(), message,
                task.reservations(), clock.instant()));
    }

    public synchronized void setTaskState(String taskId, String state) {
        Task task = requireTask(taskId);
        tasks.put(taskId, new Task(task.id(), task.serviceId(), task.nodeId(), task.desiredState(), state, task.message(),
                task.reservations(), clock.instant()));
    }

    /**
     * What swarm does to a drained node's tasks: each live one is told to shut down and has finished doing so, and a
     * replacement of the same service starts on {@code toNodeId} in {@code replacementState}. Returns the replacements.
     */
    public synchronized List<Task> moveTasks(String fromNodeId, String toNodeId, String replacementState) {
        List<Task> replacements = new ArrayList<>();
        for (Task task : List.copyOf(tasks.values())) {
            if (fromNodeId.equals(task.nodeId()) && task.desiredRunning()) {
                tasks.put(task.id(), new Task(task.id(), task.serviceId(), task.nodeId(), "shutdown", "shutdown",
                        "", task.reservations(), clock.instant()));
                replacements.add(addTask(task.serviceId(), toNodeId, replacementState, task.reservations(), ""));
            }
        }
        return replacements;
    }

    /** The node's heartbeat state changes, as when its VM goes away or comes back; its version moves on. */
    public synchronized void setNodeState(String nodeId, Node.State state) {
        Node node = requireNode(nodeId);
        put(node, node.availability(), node.labels(), state);
    }

    /** Someone else updates the node: a write based on an earlier read now conflicts. */
    public synchronized void touch(String nodeId) {
        Node node = requireNode(nodeId);
        put(node, node.availability(), node.labels(), node.state());
    }

    /** While unavailable, every call throws {@link SwarmUnavailableException}, as when no manager answers. */
    public synchronized void setUnavailable(boolean unavailable) {
        this.unavailable = unavailable;
    }

    /** What {@code docker swarm join-token --rotate} does by hand: both tokens change; old ones no longer join. */
    public synchronized void rotateJoinTokens() {
        tokenGeneration.replaceAll((role, generation) -> generation + 1);
        swarmVersion++;
    }

    /** Another change to the swarm spec (as another app instance's rotation or an operator's update would make). */
    public synchronized void bumpSwarmVersion() {
        swarmVersion++;
    }

    /** How many times {@link #rotateJoinTokens(JoinTokenRecord, Set, Instant)} changed the tokens. */
    public synchronized int portRotations() {
        return portRotations;
    }

    /** How many times {@link #joinTicket} was asked (and answered or failed). */
    public synchronized int joinTicketReads() {
        return joinTicketReads;
    }

    public synchronized List<Task> allTasks() {
        return List.copyOf(tasks.values());
    }

    // --- the port ----------------------------------------------------------------------------------------------

    @Override
    public synchronized JoinTicket joinTicket(SwarmRole role) {
        joinTicketReads++;
        answer();
        List<String> managers = nodes.values().stream()
                .filter(node -> node.isManager() && node.state() == Node.State.READY)
                .map(node -> node.hostname() + ":2377")
                .toList();
        return new JoinTicket(role, "SWMTKN-1-" + role.urlName() + (tokenGeneration.get(role) == 0 ? "" : "-" + tokenGeneration.get(role)),
                managers);
    }

    @Override
    public synchronized JoinTokenRecord joinTokenRecord() {
        answer();
        return new JoinTokenRecord(swarmVersion, createdAt, rotatedAt);
    }

    @Override
    public synchronized void rotateJoinTokens(JoinTokenRecord record, Set<SwarmRole> roles, Instant at) {
        answer();
        if (record.version() != swarmVersion) {
            throw new SwarmVersionConflictException(record.version(), null);
        }
        if (roles.isEmpty()) {
            return;
        }
        for (SwarmRole role : roles) {
            tokenGeneration.merge(role, 1, Integer::sum);
            rotatedAt.put(role, at);
        }
        swarmVersion++;
        portRotations++;
    }

    @Override
    public synchronized List<Node> nodes() {
        answer();
        return List.copyOf(nodes.values());
    }

    @Override
    public synchronized Optional<Node> node(String nodeId) {
        answer();
        // By id only, as the adapter's filter does: a hostname never matches.
        return Optional.ofNullable(nodes.get(nodeId));
    }

    @Override
    public synchronized List<Task> tasksOnNode(String nodeId) {
        answer();
        return tasks.values().stream().filter(task -> nodeId.equals(task.nodeId())).toList();
    }

    @Override
    public synchronized List<Service> services() {
        answer();
        return List.copyOf(services.values());
    }

    @Override
    public synchronized List<Task> desiredRunningTasks(Collection<String> serviceIds) {
        answer();
        Set<String> wanted = Set.copyOf(serviceIds);
        return tasks.values().stream()
                .filter(task -> wanted.contains(task.serviceId()) && task.desiredRunning())
                .toList();
    }

    @Override
    public synchronized void updateNode(Node node, Node.Availability availability, Map<String, String> labels) {
        answer();
        Node current = nodes.get(node.id());
        if (current == null) {
            throw new NodeNotFoundException(node.id(), null);
        }
        if (current.version() != node.version()) {
            throw new NodeVersionConflictException(node.id(), node.version(), null);
        }
        // The adapter sends the role of the node as read; the heartbeat state is the manager's, not the caller's.
        put(current, availability, labels, current.state());
    }

    @Override
    public synchronized void removeNode(String nodeId) {
        answer();
        Node node = nodes.get(nodeId);
        if (node == null) {
            throw new NodeNotFoundException(nodeId, null);
        }
        // Swarm refuses an unforced removal only while the node reports ready; down, disconnected or unknown go.
        if (node.state() == Node.State.READY) {
            throw new NodeStillUpException(nodeId, null);
        }
        if (node.isManager()) {
            throw new IllegalStateException("node " + nodeId + " is a cluster manager; it must be demoted before removal");
        }
        nodes.remove(nodeId);
    }

    @Override
    public synchronized void forceRemoveNode(String nodeId) {
        answer();
        Node node = nodes.get(nodeId);
        if (node == null) {
            throw new NodeNotFoundException(nodeId, null);
        }
        if (node.isManager()) {
            throw new IllegalStateException("node " + nodeId + " is a cluster manager; it must be demoted before removal");
        }
        forcedRemovals.add(nodeId);
        nodes.remove(nodeId);
    }

    @Override
    public synchronized void setReplicas(Service service, long replicas) {
        answer();
        Service current = services.get(service.id());
        if (current == null || current.mode() != Service.Mode.REPLICATED) {
            throw new IllegalArgumentException("service " + service.id() + " is gone or not replicated");
        }
        if (current.version() != service.version()) {
            throw new ServiceVersionConflictException(service.id(), service.version(), null);
        }
        replicaChanges.add(service.id() + "=" + replicas);
        services.put(current.id(), new Service(current.id(), current.name(), current.mode(), replicas, current.reservations(),
                current.constraints(), current.version() + 1, current.labels(), current.preferences()));
    }

    @Override
    public synchronized void updateReplicas(Service service, long replicas, Map<String, String> labels) {
        setReplicas(service, replicas);
        Service current = services.get(service.id());
        services.put(current.id(), new Service(current.id(), current.name(), current.mode(), current.replicas(),
                current.reservations(), current.constraints(), current.version(), labels, current.preferences()));
    }

    /** The nodes removed by force, in order. */
    public synchronized List<String> forcedRemovals() {
        return List.copyOf(forcedRemovals);
    }

    /** Every replica count set through the port, as {@code serviceId=replicas}, in order. */
    public synchronized List<String> replicaChanges() {
        return List.copyOf(replicaChanges);
    }

    /** The service as it stands now. */
    public synchronized Service service(String serviceId) {
        return services.get(serviceId);
    }

    private void put(Node node, Node.Availability availability, Map<String, String> labels, Node.State state) {
        nodes.put(node.id(), new Node(node.id(), node.version() + 1, node.hostname(), node.role(), availability, state,
                labels, node.resources(), node.createdAt()));
    }

    private Node requireNode(String nodeId) {
        Node node = nodes.get(nodeId);
        if (node == null) {
            throw new IllegalArgumentException("no node " + nodeId + " was arranged");
        }
        return node;
    }

    private Task requireTask(String taskId) {
        Task task = tasks.get(taskId);
        if (task == null) {
            throw new IllegalArgumentException("no task " + taskId + " was arranged");
        }
        return task;
    }

    private void answer() {
        if (unavailable) {
            throw new SwarmUnavailableException("no swarm manager answered (in-memory swarm set unavailable)");
        }
    }
}
