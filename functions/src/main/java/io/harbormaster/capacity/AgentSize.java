package io.harbormaster.capacity;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.NodePlatform;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.SwarmRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a new agent is: its size as Docker will report it, where that figure comes from, and the room it offers
 * replicated tasks once one task of every global service that will run on it has its share.
 *
 * @param source for reasons: "as agent agent000003 reports it", or that the policy's fallback was taken
 */
record AgentSize(Resources size, String source, Resources room) {

    /** The newest ready agent shows what the scale set's SKU gives Docker; a SKU change shows there first. */
    static AgentSize measure(CapacitySnapshot snapshot, ClusterIndex index, CapacityPolicy policy) {
        return measure(snapshot, index, policy, Map.of());
    }

    /** @param labels what a new agent will carry (its pool's), which decides the global services it runs */
    static AgentSize measure(CapacitySnapshot snapshot, ClusterIndex index, CapacityPolicy policy,
            Map<String, String> labels) {
        return measure(snapshot, index, policy, labels, Pool.DEFAULT_PLATFORM);
    }

    static AgentSize measure(CapacitySnapshot snapshot, ClusterIndex index, CapacityPolicy policy,
            Map<String, String> labels, NodePlatform platform) {
        List<Node> agents = new ArrayList<>();
        for (Node node : snapshot.nodes()) {
            if (index.instanceOf(node) != null) {
                agents.add(node);
            }
        }
        return measure(agents, snapshot.services(), index::placement, policy, labels, platform);
    }

    /**
     * @param agents the nodes of the scale set's (the pool's) instances
     * @param labels what a new agent will carry (its pool's), which decides the global services it runs
     */
    static AgentSize measure(List<Node> agents, List<Service> services, Function<String, Placement> placements,
            CapacityPolicy policy, Map<String, String> labels) {
        return measure(agents, services, placements, policy, labels, Pool.DEFAULT_PLATFORM);
    }

    /** @param platform what a new agent reports as its platform (its pool's), which decides the global services too */
    static AgentSize measure(List<Node> agents, List<Service> services, Function<String, Placement> placements,
            CapacityPolicy policy, Map<String, String> labels, NodePlatform platform) {
        Node newest = null;
        for (Node node : agents) {
            if (node.role() == SwarmRole.WORKER && node.state() == Node.State.READY
                    && node.resources().nanoCpus() > 0 && node.resources().memoryBytes() > 0
                    && (newest == null || node.createdAt().isAfter(newest.createdAt()))) {
                newest = node;
            }
        }
        Resources size;
        String source;
        if (newest == null) {
            size = policy.fallbackAgentSize();
            source = "the policy's agent size, as no agent is in the swarm to measure";
        } else {
            size = newest.resources();
            source = "as agent " + newest.hostname() + " reports it";
            if (!policy.fallbackAgentSize().generic().isEmpty()) {
                // The pool states what generic resources its new agents get (Pool#policy); that wins.
                size = size.withGeneric(policy.fallbackAgentSize().generic());
            }
        }
        return new AgentSize(size, source, room(size, services, placements, labels, platform));
    }

    private static Resources room(Resources size, List<Service> services, Function<String, Placement> placements,
            Map<String, String> labels, NodePlatform platform) {
        Resources room = size;
        for (Service service : services) {
            if (service.global() && placements.apply(service.id()).allowsNewAgent(labels, platform)) {
                room = room.minus(service.reservations());
            }
        }
        Map<String, Long> generic = new java.util.HashMap<>();
        room.generic().forEach((kind, count) -> generic.put(kind, Math.max(0, count)));
        return new Resources(Math.max(0, room.nanoCpus()), Math.max(0, room.memoryBytes()), generic);
    }
}
