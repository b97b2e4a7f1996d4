package io.harbormaster.status;

import io.harbormaster.capacity.CapacityHistory;
import io.harbormaster.capacity.CapacityPause;
import io.harbormaster.capacity.CapacitySnapshot;
import io.harbormaster.capacity.ClusterReport;
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
import java.util.List;
import java.util.Map;

/**
 * A made-up cluster report for the status page's tests and render benchmark: {@code nodes} nodes (three managers,
 * the rest agents, one draining, one down), {@code tasks} tasks spread over the agents across 40 services (a few
 * starting or failed), a few pending, two instances without nodes.
 */
public final class SyntheticCluster {
    private static final Resources AGENT = new Resources(2_000_000_000L, 7L << 30);

    private SyntheticCluster() {
    }

    public static ClusterReport report(int nodeCount, int taskCount, Instant now) {
        List<Service> services = new ArrayList<>();
        for (int s = 0; s < 40; s++) {
            services.add(new Service("svc" + s + "x".repeat(20), "service-" + s, Service.Mode.REPLICATED, 25,
                    new Resources(50_000_000L, 64L << 20), List.of()));
        }
        List<Node> nodes = new ArrayList<>();
        List<ScaleSetInstance> instances = new ArrayList<>();
        List<DrainStatus> drains = new ArrayList<>();
        for (int n = 0; n < nodeCount; n++) {
            boolean manager = n < 3;
            String name = manager ? "master" + n : String.format("agent%06d", n);
            Node.Availability availability = manager ? Node.Availability.DRAIN
                    : n == 7 ? Node.Availability.DRAIN : Node.Availability.ACTIVE;
            Node.State state = n == 11 ? Node.State.DOWN : Node.State.READY;
            nodes.add(new Node("node" + n + "y".repeat(18), 1, name, manager ? SwarmRole.MANAGER : SwarmRole.WORKER,
                    availability, state, Map.of(), AGENT, now.minus(Duration.ofDays(1))));
            if (!manager) {
                instances.add(new ScaleSetInstance(String.valueOf(n), name, ScaleSetInstance.PowerState.RUNNING,
                        "Succeeded", now.minus(Duration.ofDays(1)), false));
            }
            if (n == 7) {
                DrainRequest request = new DrainRequest("req-7", name, "node7" + "y".repeat(18), DrainReason.SCALE_IN, true,
                        now.plus(Duration.ofMinutes(8)), now.minus(Duration.ofMinutes(2)));
                drains.add(new DrainStatus(request, DrainState.DRAINING, false, 3, 1, false, false, null, null, null, null,
                        4, null, now.minusSeconds(2)));
            }
        }
        instances.add(new ScaleSetInstance(String.valueOf(nodeCount), "agent-new", ScaleSetInstance.PowerState.STARTING,
                "Creating", now.minusSeconds(40), false));
        instances.add(new ScaleSetInstance(String.valueOf(nodeCount + 1), "agent-off", ScaleSetInstance.PowerState.DEALLOCATED,
                "Succeeded", now.minus(Duration.ofHours(3)), true));
        List<Task> tasks = new ArrayList<>(taskCount);
        int agents = Math.max(1, nodeCount - 3);
        for (int t = 0; t < taskCount; t++) {
            Service service = services.get(t % services.size());
            if (t % 100 == 99) {
                tasks.add(new Task("task" + t, service.id(), null, "running", "pending",
                        "no suitable node (insufficient resources on " + agents + " nodes)", service.reservations(), now));
                continue;
            }
            String state = t % 50 == 13 ? "starting" : t % 97 == 5 ? "failed" : "running";
            tasks.add(new Task("task" + t, service.id(), nodes.get(3 + t % agents).id(), "running", state, "",
                    service.reservations(), now));
        }
        CapacitySnapshot snapshot = new CapacitySnapshot(nodes, tasks, services,
                new ScaleSetModel("/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/agents",
                        "agents", instances.size(), "Standard_D2s_v5", ScaleSetModel.OrchestrationMode.UNIFORM, "Succeeded",
                        "etag"),
                instances, drains, now);
        return new ClusterReport(snapshot, CapacityHistory.EMPTY, CapacityPause.NEVER_CHANGED);
    }
}
