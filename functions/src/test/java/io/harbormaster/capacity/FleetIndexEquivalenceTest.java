package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fleet's plan made over one shared index ({@link FleetIndex}) equals the plan made the way it was before that
 * index: the fleet cut into a copy per pool by a plain walk of its tasks, and each pool planned alone by
 * {@link CapacityPlanner#plan}, which indexes its own copy. Random fleets from a fixed seed: pools labelled and not,
 * managers with tasks, nodes without instances or labels, twice-named hosts, tasks on unknown nodes, pending tasks
 * for resources and for constraints, drains, warm instances and histories.
 */
class FleetIndexEquivalenceTest {
    private static final Instant NOW = PlanningFixture.NOW;
    private static final long CPU = PlanningFixture.CPU;
    private static final long GIB = PlanningFixture.GIB;
    private static final String NO_ROOM = "no suitable node (insufficient resources on 9 nodes)";
    private static final String NO_MATCH = "no suitable node (scheduling constraints not satisfied on 9 nodes)";

    @Test
    void everyPoolPlansOverTheSharedIndexAsItPlannedAlone() {
        Random random = new Random(20261206L);
        int scaledOut = 0;
        int labelled = 0;
        for (int round = 0; round < 300; round++) {
            Fleet fleet = fleet(random);
            CapacityPolicy shared = CapacityPolicy.DEFAULTS.withSteps(1 + random.nextInt(10), 1 + random.nextInt(4));

            List<FleetPlanner.PoolPlan> expected = eachPoolAlone(fleet.snapshot(), shared, fleet.histories());
            List<FleetPlanner.PoolPlan> actual = FleetPlanner.plan(fleet.snapshot(), shared, fleet.histories(), NOW);

            assertEquals(expected, actual, "round " + round);
            for (FleetPlanner.PoolPlan plan : actual) {
                scaledOut += plan.plan().actions(CapacityAction.ScaleOut.class).size();
                labelled += plan.plan().actions(CapacityAction.LabelNode.class).size();
            }
        }
        // The fleets exercise the paths that matter: pools scaled for pending tasks, and nodes labelled this check.
        assertTrue(scaledOut > 50, "scale-outs: " + scaledOut);
        assertTrue(labelled > 50, "labels: " + labelled);
    }

    /** The pools planned as before the shared index: a copied share each, indexed and planned on its own. */
    private static List<FleetPlanner.PoolPlan> eachPoolAlone(FleetSnapshot fleet, CapacityPolicy shared,
            Map<String, CapacityHistory> histories) {
        FleetPartition.NodePools nodePools = FleetPartition.nodePools(fleet);
        Map<String, String> passedOver = new HashMap<>();
        for (FleetSnapshot.PoolReading reading : fleet.pools()) {
            AllocationBackoff.reason(histories.getOrDefault(reading.pool().name(), CapacityHistory.EMPTY),
                    reading.instances(), NOW).ifPresent(why -> passedOver.put(reading.pool().name(), why));
        }
        PoolExpander.Choice choice = PoolExpander.choose(fleet, nodePools, shared, passedOver);
        Map<String, CapacitySnapshot> snapshots = copiedShares(fleet, nodePools, choice.poolByTask());
        List<FleetPlanner.PoolPlan> plans = new ArrayList<>();
        for (FleetSnapshot.PoolReading reading : fleet.pools()) {
            Pool pool = reading.pool();
            CapacitySnapshot snapshot = snapshots.get(pool.name());
            String sku = reading.scaleSet().sku();
            List<CapacityAction.LabelNode> labels = pool.labelsNodes()
                    ? PoolLabelRule.decide(pool, sku, snapshot.nodes(), snapshot.instances()) : List.of();
            PoolLabelRule.Relabelled relabelled = PoolLabelRule.afterLabels(snapshot, labels);
            CapacityPlan plan = CapacityPlanner.plan(relabelled.snapshot(), pool.policy(shared),
                    histories.getOrDefault(pool.name(), CapacityHistory.EMPTY), NOW, pool.newAgentLabels(sku));
            plans.add(FleetPlanner.poolPlan(pool, labels, relabelled, choice.notes().getOrDefault(pool.name(), List.of()),
                    plan));
        }
        return plans;
    }

    /** The partition as it was written before the index: each task looked up by its node and copied to its share. */
    private static Map<String, CapacitySnapshot> copiedShares(FleetSnapshot fleet, FleetPartition.NodePools nodePools,
            Map<String, String> pendingPools) {
        String first = fleet.pools().get(0).pool().name();
        Map<String, List<Node>> nodes = new LinkedHashMap<>();
        Map<String, List<Task>> tasks = new LinkedHashMap<>();
        Map<String, List<DrainStatus>> drains = new LinkedHashMap<>();
        for (FleetSnapshot.PoolReading reading : fleet.pools()) {
            nodes.put(reading.pool().name(), new ArrayList<>());
            tasks.put(reading.pool().name(), new ArrayList<>());
            drains.put(reading.pool().name(), new ArrayList<>());
        }
        Map<String, String> poolByNode = new HashMap<>();
        for (Node node : fleet.nodes()) {
            if (nodePools.managers().contains(node.id())) {
                nodes.values().forEach(share -> share.add(node));
            } else {
                nodes.get(nodePools.poolOf(node.id())).add(node);
                poolByNode.put(node.id(), nodePools.poolOf(node.id()));
            }
        }
        for (Task task : fleet.tasks()) {
            String pool = task.nodeId() == null ? null : poolByNode.get(task.nodeId());
            if (pool != null) {
                tasks.get(pool).add(task);
            } else if (task.nodeId() != null && nodePools.managers().contains(task.nodeId())) {
                tasks.values().forEach(share -> share.add(task));
            } else {
                tasks.get(pendingPools.getOrDefault(task.id(), first)).add(task);
            }
        }
        for (DrainStatus drain : fleet.drains()) {
            drains.get(nodePools.poolByHostname().getOrDefault(ClusterIndex.key(drain.request().hostname()), first))
                    .add(drain);
        }
        Map<String, CapacitySnapshot> snapshots = new LinkedHashMap<>();
        for (FleetSnapshot.PoolReading reading : fleet.pools()) {
            String name = reading.pool().name();
            snapshots.put(name, new CapacitySnapshot(nodes.get(name), tasks.get(name), fleet.services(),
                    reading.scaleSet(), reading.instances(), drains.get(name), fleet.takenAt()));
        }
        return snapshots;
    }

    private record Fleet(FleetSnapshot snapshot, Map<String, CapacityHistory> histories) {
    }

    private static Fleet fleet(Random random) {
        int poolCount = 1 + random.nextInt(5);
        List<Pool> pools = new ArrayList<>();
        for (int p = 0; p < poolCount; p++) {
            boolean deallocates = random.nextInt(3) == 0;
            pools.add(new Pool("p" + p, "hm-p" + p, random.nextInt(3), 3 + random.nextInt(40), 1 + random.nextInt(8),
                    random.nextBoolean() ? Map.of("tier", "t" + p) : Map.of(),
                    random.nextInt(4) == 0 ? Pool.Priority.SPOT : Pool.Priority.REGULAR, random.nextInt(3),
                    random.nextBoolean() ? null : new Resources(4 * CPU, 16 * GIB),
                    deallocates ? CapacityPolicy.ScaleInMode.DEALLOCATE : CapacityPolicy.ScaleInMode.DELETE,
                    deallocates ? random.nextInt(3) : 0, poolCount > 1 || random.nextBoolean()));
        }
        List<Service> services = new ArrayList<>();
        for (int s = 0; s < 12; s++) {
            List<String> constraints = switch (random.nextInt(6)) {
                case 0 -> List.of("node.labels.tier==t" + random.nextInt(poolCount + 1));
                case 1 -> List.of("node.labels.io.harbormaster.pool==p" + random.nextInt(poolCount));
                case 2 -> List.of("node.role==worker");
                default -> List.of();
            };
            boolean global = s < 2;
            services.add(new Service("svc" + s, s % 5 == 0 ? "" : "service-" + s,
                    global ? Service.Mode.GLOBAL : Service.Mode.REPLICATED, global ? 0 : 3,
                    new Resources(random.nextInt(4) * CPU / 4, random.nextInt(4) * GIB / 2), constraints));
        }
        List<Node> nodes = new ArrayList<>();
        Map<String, List<ScaleSetInstance>> instances = new LinkedHashMap<>();
        pools.forEach(pool -> instances.put(pool.name(), new ArrayList<>()));
        for (int m = 0; m < 1 + random.nextInt(3); m++) {
            nodes.add(new Node("mgr" + m, 1, "manager" + m, SwarmRole.MANAGER,
                    random.nextBoolean() ? Node.Availability.ACTIVE : Node.Availability.DRAIN, Node.State.READY, Map.of(),
                    new Resources(2 * CPU, 8 * GIB), NOW.minus(Duration.ofDays(3)),
                    random.nextInt(5) == 0 ? Node.Reachability.UNREACHABLE : Node.Reachability.REACHABLE));
        }
        List<DrainStatus> drains = new ArrayList<>();
        int workers = 3 + random.nextInt(40);
        for (int w = 0; w < workers; w++) {
            Pool pool = pools.get(random.nextInt(poolCount));
            String hostname = "w" + w;
            String zone = random.nextInt(4) == 0 ? null : String.valueOf(1 + random.nextInt(3));
            int kind = random.nextInt(10);
            if (kind < 8) {
                instances.get(pool.name()).add(new ScaleSetInstance(String.valueOf(w), hostname,
                        random.nextInt(12) == 0 ? ScaleSetInstance.PowerState.DEALLOCATED : ScaleSetInstance.PowerState.RUNNING,
                        "Succeeded", NOW.minus(Duration.ofMinutes(5 + random.nextInt(600))), random.nextInt(15) == 0, null,
                        zone));
            }
            if (kind == 9) {
                continue; // an instance that never joined, or none at all
            }
            Map<String, String> labels = new HashMap<>();
            if (random.nextInt(3) > 0) {
                labels.putAll(pool.nodeLabels("Standard_" + pool.name(), zone));
            } else if (random.nextBoolean()) {
                labels.put(Pool.POOL_LABEL, random.nextBoolean() ? pool.name() : "gone");
            }
            Node.Availability availability = random.nextInt(8) == 0 ? Node.Availability.DRAIN : Node.Availability.ACTIVE;
            if (availability == Node.Availability.DRAIN && random.nextBoolean()) {
                String requestId = "req-" + w;
                labels.put(io.harbormaster.drain.DrainProgress.REQUEST_LABEL, requestId);
                DrainState state = List.of(DrainState.DRAINING, DrainState.DRAINED, DrainState.FAILED).get(random.nextInt(3));
                DrainRequest request = new DrainRequest(requestId, hostname, "node-" + w, DrainReason.SCALE_IN, true,
                        NOW.plus(Duration.ofMinutes(10)), NOW.minus(Duration.ofMinutes(random.nextInt(40))));
                drains.add(new DrainStatus(request, state, state == DrainState.FAILED, 1, 0, false, false, null, null, null,
                        null, 2, null, NOW.minus(Duration.ofMinutes(random.nextInt(40)))));
            }
            Node.State state = random.nextInt(10) == 0 ? Node.State.DOWN : Node.State.READY;
            nodes.add(new Node("node-" + w, 1, hostname, SwarmRole.WORKER, availability, state, labels,
                    new Resources((2 + 2 * random.nextInt(2)) * CPU, 8 * GIB),
                    NOW.minus(Duration.ofMinutes(1 + random.nextInt(300)))));
            if (random.nextInt(12) == 0) {
                // The node an earlier VM of that name left behind, down.
                nodes.add(new Node("old-" + w, 1, hostname.toUpperCase(), SwarmRole.WORKER, Node.Availability.ACTIVE,
                        Node.State.DOWN, Map.of(), new Resources(2 * CPU, 8 * GIB), NOW.minus(Duration.ofDays(2))));
            }
        }
        List<Task> tasks = new ArrayList<>();
        int taskCount = random.nextInt(300);
        for (int t = 0; t < taskCount; t++) {
            Service service = services.get(random.nextInt(services.size()));
            int kind = random.nextInt(20);
            String nodeId = kind == 0 ? "ghost" : nodes.get(random.nextInt(nodes.size())).id();
            String state = List.of("running", "running", "running", "starting", "assigned", "complete").get(random.nextInt(6));
            String desired = kind == 1 ? "shutdown" : "running";
            String message = "";
            if (kind >= 2 && kind < 8) {
                nodeId = kind == 2 ? nodeId : null;
                state = "pending";
                message = List.of(NO_ROOM, NO_ROOM, NO_MATCH, "", "no suitable node (max replicas per node limit exceed)")
                        .get(random.nextInt(5));
            }
            tasks.add(new Task("task-" + t, service.id(), nodeId, desired, state, message, service.reservations(),
                    NOW.minus(Duration.ofMinutes(random.nextInt(60)))));
        }
        List<FleetSnapshot.PoolReading> readings = new ArrayList<>();
        Map<String, CapacityHistory> histories = new HashMap<>();
        for (Pool pool : pools) {
            List<ScaleSetInstance> listed = instances.get(pool.name());
            long capacity = listed.size() + (random.nextInt(5) == 0 ? random.nextInt(3) : 0);
            readings.add(new FleetSnapshot.PoolReading(pool, new ScaleSetModel("/subscriptions/s/vmss/" + pool.scaleSetName(),
                    pool.scaleSetName(), capacity, "Standard_" + pool.name(), ScaleSetModel.OrchestrationMode.UNIFORM,
                    "Succeeded", "etag-" + pool.name()), listed));
            if (random.nextBoolean()) {
                Map<String, Instant> under = new HashMap<>();
                Map<String, Instant> down = new HashMap<>();
                for (Node node : nodes) {
                    if (random.nextInt(3) == 0) {
                        under.put(node.id(), NOW.minus(Duration.ofMinutes(random.nextInt(60))));
                    }
                    if (node.state() == Node.State.DOWN) {
                        down.put(node.id(), NOW.minus(Duration.ofMinutes(random.nextInt(60))));
                    }
                }
                histories.put(pool.name(), new CapacityHistory(NOW.minusSeconds(30), under, down, Map.of(),
                        random.nextInt(4) == 0 ? new CapacityHistory.ScaleOutRecord(NOW.minus(Duration.ofMinutes(
                                random.nextInt(30))), capacity - 1, capacity) : null, null,
                        new CapacityHistory.Reading(capacity, listed.size(), NOW.minusSeconds(30)), List.of()));
            }
        }
        return new Fleet(new FleetSnapshot(nodes, tasks, services, drains, readings, NOW), histories);
    }
}
