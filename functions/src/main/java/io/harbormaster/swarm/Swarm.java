package io.harbormaster.swarm;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.time.Instant;

/**
 * The swarm as its managers' Docker Engine API shows it; the port the control plane's core talks through.
 * Every call may throw {@link SwarmUnavailableException} when no manager answers, and
 * {@link SwarmNotInitializedException} when the managers answer but no swarm has been initialised.
 */
public interface Swarm {
    /** The join token for {@code role} and the addresses of the reachable managers. */
    JoinTicket joinTicket(SwarmRole role);

    /** Every node, managers included. */
    List<Node> nodes();

    /** The node with this id, or empty when the swarm has none (any more). */
    Optional<Node> node(String nodeId);

    /** Every task assigned to the node, in any state, including the recent history swarm keeps. */
    List<Task> tasksOnNode(String nodeId);

    /** Every service, with its mode, reservations and placement constraints. */
    List<Service> services();

    /** The tasks of these services whose desired state is running, on any node or none. */
    List<Task> desiredRunningTasks(Collection<String> serviceIds);

    /**
     * Sets the node's availability and its full label set, keeping its role.
     *
     * @throws NodeVersionConflictException when the node changed after {@code node} was read
     * @throws NodeNotFoundException when the node is gone
     */
    void updateNode(Node node, Node.Availability availability, Map<String, String> labels);

    /**
     * Removes a node that is down or has left. Never forced: a node that is still up may run tasks.
     *
     * @throws NodeStillUpException when the node is not down yet
     * @throws NodeNotFoundException when the node is gone already
     */
    void removeNode(String nodeId);

    /**
     * Removes a node even while the managers still see it up. Only for a node whose machine is known to be gone (its
     * instance deleted), so it can no longer run anything: swarm would otherwise take its own heartbeat timeout.
     *
     * @throws NodeNotFoundException when the node is gone already
     */
    void forceRemoveNode(String nodeId);

    /**
     * Sets the replica count of a replicated service, changing nothing else in its spec.
     *
     * @throws ServiceVersionConflictException when the service changed after {@code service} was read
     * @throws IllegalArgumentException when the service is gone or not replicated
     */
    void setReplicas(Service service, long replicas);

    /**
     * Sets the replica count and the full label set of a replicated service in one spec update, changing nothing else:
     * the labels are the service's own (not its tasks'), so no task restarts.
     *
     * @throws ServiceVersionConflictException when the service changed after {@code service} was read
     * @throws IllegalArgumentException when the service is gone or not replicated
     */
    void updateReplicas(Service service, long replicas, Map<String, String> labels);

    /** The swarm's record of its join tokens (version, creation, our last rotations); never the tokens. */
    JoinTokenRecord joinTokenRecord();

    /**
     * What {@code docker swarm join-token --rotate} does for each of {@code roles}, in the same spec update that records
     * {@code at} in the role's label ({@link JoinTokenRecord#label}); nodes already in the swarm are not affected.
     *
     * @throws SwarmVersionConflictException when the swarm spec changed after {@code record} was read
     */
    void rotateJoinTokens(JoinTokenRecord record, Set<SwarmRole> roles, Instant at);
}
