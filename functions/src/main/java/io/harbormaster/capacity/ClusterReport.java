package io.harbormaster.capacity;

import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Task;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What {@code GET /api/status} shows: the cluster as one snapshot saw it, the latest decisions and the operator's
 * pause switch. No secrets.
 */
public record ClusterReport(CapacitySnapshot snapshot, CapacityHistory history, CapacityPause pause,
        List<PoolStatus> pools) {

    public ClusterReport {
        pools = List.copyOf(pools);
    }

    /** A report without pools, as a single scale set's was before them. */
    public ClusterReport(CapacitySnapshot snapshot, CapacityHistory history, CapacityPause pause) {
        this(snapshot, history, pause, List.of());
    }

    /**
     * One pool as {@code /api/status} shows it: its settings, its scale set, how many of its instances have a node, and
     * the computer names of its instances (lower case), by which the page tells each node's pool.
     */
    public record PoolStatus(Pool pool, ScaleSetModel scaleSet, int instances, int nodes, Set<String> hostnames) {
        public PoolStatus {
            hostnames = Set.copyOf(hostnames);
        }

        static PoolStatus of(FleetSnapshot.PoolReading reading, List<Node> nodes) {
            Set<String> joinedHostnames = new HashSet<>();
            nodes.forEach(node -> joinedHostnames.add(node.hostname().toLowerCase(Locale.ROOT)));
            Set<String> own = new HashSet<>();
            int joined = 0;
            for (ScaleSetInstance instance : reading.instances()) {
                if (instance.computerName() == null) {
                    continue;
                }
                String hostname = instance.computerName().toLowerCase(Locale.ROOT);
                own.add(hostname);
                if (joinedHostnames.contains(hostname)) {
                    joined++;
                }
            }
            return new PoolStatus(reading.pool(), reading.scaleSet(), reading.instances().size(), joined, own);
        }

        Map<String, Object> toJson() {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", pool.name());
            entry.put("scaleSet", scaleSet.name());
            entry.put("sku", scaleSet.sku());
            // As ARM reports it, which the adapter follows: uniform or flexible.
            entry.put("mode", scaleSet.orchestrationMode().name().toLowerCase(Locale.ROOT));
            entry.put("capacity", scaleSet.capacity());
            entry.put("min", pool.minAgents());
            entry.put("max", pool.maxAgents());
            entry.put("step", pool.maxScaleOutStep());
            entry.put("priority", pool.priority().labelValue());
            entry.put("order", pool.order());
            entry.put("labels", pool.labels());
            entry.put("scaleIn", pool.scaleIn().name().toLowerCase(Locale.ROOT));
            entry.put("instances", instances);
            entry.put("nodes", nodes);
            return entry;
        }
    }

    public Map<String, Object> toJson() {
        Map<String, List<Task>> tasksByNode = new HashMap<>();
        List<Map<String, Object>> pending = new ArrayList<>();
        for (Task task : snapshot.tasks()) {
            if (task.unplaced()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("id", task.id());
                entry.put("serviceId", task.serviceId());
                entry.put("state", task.state());
                entry.put("message", task.message());
                entry.put("reservations", resources(task.reservations()));
                pending.add(entry);
            } else {
                tasksByNode.computeIfAbsent(task.nodeId(), id -> new ArrayList<>()).add(task);
            }
        }
        Map<String, String> nodeByHostname = new HashMap<>();
        // Each node's pool: its instance's pool, else the pool label the control plane set when it joined.
        Map<String, String> poolByHostname = new HashMap<>();
        pools.forEach(pool -> pool.hostnames().forEach(hostname -> poolByHostname.put(hostname, pool.pool().name())));
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (Node node : snapshot.nodes()) {
            nodeByHostname.put(node.hostname().toLowerCase(Locale.ROOT), node.id());
            List<Task> onNode = tasksByNode.getOrDefault(node.id(), List.of());
            Resources reserved = onNode.stream().map(Task::reservations).reduce(Resources.NONE, Resources::plus);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", node.id());
            entry.put("hostname", node.hostname());
            entry.put("role", node.role().urlName());
            entry.put("availability", node.availability().name().toLowerCase(Locale.ROOT));
            entry.put("state", node.state().name().toLowerCase(Locale.ROOT));
            if (!pools.isEmpty() && !node.isManager()) {
                String pool = poolByHostname.get(node.hostname().toLowerCase(Locale.ROOT));
                entry.put("pool", pool != null ? pool : node.labels().get(Pool.POOL_LABEL));
            }
            if (node.isManager()) {
                entry.put("reachability", node.reachability().name().toLowerCase(Locale.ROOT));
            }
            entry.put("tasks", onNode.size());
            entry.put("reserved", resources(reserved));
            entry.put("capacity", resources(node.resources()));
            nodes.add(entry);
        }
        List<Map<String, Object>> instances = new ArrayList<>();
        int warmInstances = 0;
        // Agents with a node, per availability zone: what a zone-balanced scale-in keeps level. Empty without zones.
        Map<String, Integer> agentsPerZone = new java.util.TreeMap<>();
        for (ScaleSetInstance instance : snapshot.instances()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("instanceId", instance.instanceId());
            entry.put("computerName", instance.computerName());
            entry.put("powerState", instance.powerState().name().toLowerCase(Locale.ROOT));
            entry.put("provisioningState", instance.provisioningState());
            entry.put("protectedFromScaleIn", instance.protectedFromScaleIn());
            Object nodeId = instance.computerName() == null ? null
                    : nodeByHostname.get(instance.computerName().toLowerCase(Locale.ROOT));
            entry.put("nodeId", nodeId);
            // Deallocated without a node: kept by a deallocate-mode scale-in, started first by the next scale-out.
            boolean warm = nodeId == null && instance.powerState() == ScaleSetInstance.PowerState.DEALLOCATED;
            entry.put("warm", warm);
            warmInstances += warm ? 1 : 0;
            if (nodeId != null && instance.zone() != null) {
                agentsPerZone.merge(instance.zone(), 1, Integer::sum);
            }
            instances.add(entry);
        }
        List<Map<String, Object>> drains = new ArrayList<>();
        for (DrainStatus status : snapshot.drains()) {
            if (status.finished()) {
                continue;
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("requestId", status.request().requestId());
            entry.put("node", status.request().hostname());
            entry.put("state", status.state().wireName());
            entry.put("reason", status.request().reason().wireName());
            entry.put("deleteInstance", status.request().deleteInstance());
            entry.put("instanceEnd", status.request().instanceEnd().wireName());
            entry.put("tasksRemaining", status.tasksRemaining());
            entry.put("replacementsPending", status.replacementsPending());
            entry.put("requestedAt", status.request().requestedAt().toString());
            entry.put("deadline", status.request().deadline().toString());
            drains.add(entry);
        }
        // Spot evictions the snapshot still knows of: preempt drains under way, and the latest drain of nodes still
        // listed. The audit trail keeps every one (drain-state events with reason preempt).
        List<Map<String, Object>> evictions = new ArrayList<>();
        for (DrainStatus status : snapshot.drains()) {
            if (status.request().reason() == io.harbormaster.drain.DrainReason.PREEMPT) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("node", status.request().hostname());
                entry.put("state", status.state().wireName());
                entry.put("requestedAt", status.request().requestedAt().toString());
                entry.put("notBefore", status.request().deadline().toString());
                evictions.add(entry);
            }
        }
        List<Map<String, Object>> decisions = new ArrayList<>();
        for (CapacityHistory.Decision decision : history.recentDecisions()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("at", decision.at().toString());
            entry.put("action", decision.action());
            entry.put("reason", decision.reason());
            entry.put("dryRun", decision.dryRun());
            decisions.add(entry);
        }
        Map<String, Object> scaleSet = new LinkedHashMap<>();
        scaleSet.put("id", snapshot.scaleSet().id());
        scaleSet.put("name", snapshot.scaleSet().name());
        scaleSet.put("capacity", snapshot.scaleSet().capacity());
        scaleSet.put("sku", snapshot.scaleSet().sku());
        scaleSet.put("provisioningState", snapshot.scaleSet().provisioningState());
        scaleSet.put("agentsPerZone", agentsPerZone);
        scaleSet.put("warmInstances", warmInstances);

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("takenAt", snapshot.takenAt().toString());
        body.put("lastCheck", history.checkedAt() == null ? null : history.checkedAt().toString());
        body.put("automaticActions", pause.toMap());
        body.put("scaleSet", scaleSet);
        if (!pools.isEmpty()) {
            // Per pool; the scale set above is the first pool's, and nodes and instances below are every pool's.
            body.put("pools", pools.stream().map(PoolStatus::toJson).toList());
        }
        body.put("nodes", nodes);
        // The managers' quorum: without a majority reachable the capacity check takes no destructive action.
        long managers = snapshot.nodes().stream().filter(Node::isManager).count();
        long reachable = snapshot.nodes().stream()
                .filter(node -> node.isManager() && node.reachability() == Node.Reachability.REACHABLE).count();
        body.put("managers", Map.of("total", managers, "reachable", reachable, "majority", reachable * 2 > managers));
        body.put("instances", instances);
        body.put("pendingTasks", pending);
        body.put("drainsInFlight", drains);
        body.put("evictions", evictions);
        body.put("recentDecisions", decisions);
        List<Map<String, Object>> operations = new ArrayList<>();
        for (CapacityHistory.Operation operation : history.operations()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("operation", operation.summary());
            entry.put("startedAt", operation.startedAt().toString());
            operations.add(entry);
        }
        body.put("operationsUnderWay", operations);
        return body;
    }

    private static Map<String, Object> resources(Resources resources) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("nanoCpus", resources.nanoCpus());
        entry.put("memoryBytes", resources.memoryBytes());
        if (!resources.generic().isEmpty()) {
            // Only where there are any, so a cluster without generic resources reports as before.
            entry.put("generic", resources.generic());
        }
        return entry;
    }
}
