package io.harbormaster.capacity;

import io.harbormaster.audit.AuditTrail;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequest;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.metrics.ControlPlaneMetrics;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Swarm;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.Task;
import io.harbormaster.testsupport.InMemoryCapacityState;
import io.harbormaster.testsupport.InMemoryDrainQueue;
import io.harbormaster.testsupport.InMemoryDrainStatusStore;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.MutableClock;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Plans a synthetic cluster of 1,000 nodes and 50,000 tasks again and again and prints the median and p90 planning
 * time, the heap allocated per plan and the peak heap. Two scenarios: tasks pending for resources (scale-out and
 * cancel-before-add), and under-utilised nodes with room elsewhere (scale-in simulations, many candidates); each timed
 * by the clock and by the planning thread's CPU time, which a shared machine's load inflates far less. Then the
 * scale-out cluster as five pools through {@link FleetPlanner}, and the port calls of one check of those pools.
 * Run it with bench/capacity.sh; arguments: [nodes] [tasks] [runs]. With -Dcapacity.bench.print=true it also prints
 * each scenario's plan, to check that the synthetic cluster asks for what it is meant to.
 */
public final class CapacityPlannerBenchmark {
    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private static final long CPU = 1_000_000_000L;
    private static final long MIB = 1L << 20;
    private static final Resources AGENT = new Resources(4 * CPU, 16_384 * MIB);
    private static final int SERVICES = 500;
    private static final int WARM_UP_RUNS = 30;
    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private CapacityPlannerBenchmark() {
    }

    public static void main(String[] args) {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        // 200: a planner that runs every check for days is timed compiled; 30 runs still timed the JIT's work (note 7).
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        System.out.printf("capacity planner benchmark: %,d nodes, %,d tasks, %d timed runs after %d warm-up runs, max heap %d MiB, %d CPUs, %s%n",
                nodes, tasks, runs, WARM_UP_RUNS, Runtime.getRuntime().maxMemory() / MIB,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        // Scale-out: some tasks pending for resources, one node draining for scale-in to take back.
        int maxAgents = 2 * nodes;
        measure("scale-out", synthetic(nodes, tasks, true), CapacityPolicy.DEFAULTS.withAgents(1, maxAgents).withSteps(50, 1), runs);
        // Scale-in: nothing pending for resources; a fifth of the nodes idle for an hour, up to 100 drains at a time.
        measure("scale-in", synthetic(nodes, tasks, false), CapacityPolicy.DEFAULTS.withAgents(1, maxAgents).withSteps(3, 100), runs);
        // The same cluster as five pools: the expander, the partition and five plans per check.
        Fleet fleet = pooled(synthetic(nodes, tasks, true), POOLS, maxAgents);
        measureFleet("5 pools, scale-out", fleet, CapacityPolicy.DEFAULTS.withSteps(50, 1), runs);
        callsPerCheck(fleet, CapacityPolicy.DEFAULTS.withSteps(50, 1));
    }

    private static final int POOLS = 5;

    private record Fleet(FleetSnapshot snapshot, Map<String, CapacityHistory> histories) {
    }

    /**
     * The synthetic cluster's agents dealt round-robin over {@code count} pools, each its own scale set and history,
     * as checks see it once the agents joined: each node already carries its pool's labels (tier=t<i> and the control
     * plane's), so the label rule finds nothing to do. The last pool is Spot.
     */
    private static Fleet pooled(Input input, int count, int maxAgents) {
        List<List<ScaleSetInstance>> instances = new ArrayList<>();
        List<Pool> pools = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            instances.add(new ArrayList<>());
            pools.add(new Pool("pool" + i, "agents-" + i, 1, maxAgents / count, 50, Map.of("tier", "t" + i),
                    i == count - 1 ? Pool.Priority.SPOT : Pool.Priority.REGULAR, i, AGENT, CapacityPolicy.ScaleInMode.DELETE, 0, true));
        }
        int next = 0;
        Map<String, Pool> poolByHostname = new HashMap<>();
        for (ScaleSetInstance instance : input.snapshot().instances()) {
            poolByHostname.put(instance.computerName(), pools.get(next % count));
            instances.get(next++ % count).add(instance);
        }
        List<Node> nodes = new ArrayList<>();
        for (Node node : input.snapshot().nodes()) {
            Pool pool = poolByHostname.get(node.hostname());
            if (pool == null) {
                nodes.add(node);
                continue;
            }
            Map<String, String> labels = new HashMap<>(node.labels());
            labels.putAll(pool.nodeLabels("Standard_D4s_v5", null));
            nodes.add(new Node(node.id(), node.version(), node.hostname(), node.role(), node.availability(), node.state(),
                    labels, node.resources(), node.createdAt()));
        }
        List<FleetSnapshot.PoolReading> readings = new ArrayList<>();
        Map<String, CapacityHistory> histories = new HashMap<>();
        CapacityHistory shared = input.history();
        for (int i = 0; i < count; i++) {
            List<ScaleSetInstance> mine = instances.get(i);
            readings.add(new FleetSnapshot.PoolReading(pools.get(i), new ScaleSetModel("/subscriptions/s/vmss/agents-" + i,
                    "agents-" + i, mine.size(), "Standard_D4s_v5", ScaleSetModel.OrchestrationMode.UNIFORM, "Succeeded",
                    "etag-" + i), mine));
            histories.put(pools.get(i).name(), new CapacityHistory(shared.checkedAt(), shared.underUtilisedSince(),
                    shared.downSince(), Map.of(), null, null, new CapacityHistory.Reading(mine.size(), mine.size(),
                    shared.checkedAt()), List.of()));
        }
        CapacitySnapshot whole = input.snapshot();
        return new Fleet(new FleetSnapshot(nodes, whole.tasks(), whole.services(), whole.drains(), readings,
                whole.takenAt()), histories);
    }

    private static void measureFleet(String scenario, Fleet fleet, CapacityPolicy policy, int runs) {
        List<FleetPlanner.PoolPlan> plans = null;
        // The first plans after a start run partly interpreted code: timed apart, as what a fresh app instance pays.
        long[] cold = new long[WARM_UP_RUNS];
        for (int i = 0; i < WARM_UP_RUNS; i++) {
            long start = System.nanoTime();
            plans = FleetPlanner.plan(fleet.snapshot(), policy, fleet.histories(), NOW);
            cold[i] = System.nanoTime() - start;
        }
        Arrays.sort(cold);
        long[] nanos = new long[runs];
        long[] cpu = new long[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            long startCpu = THREADS.getCurrentThreadCpuTime();
            plans = FleetPlanner.plan(fleet.snapshot(), policy, fleet.histories(), NOW);
            cpu[i] = THREADS.getCurrentThreadCpuTime() - startCpu;
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        System.out.printf("%n[%s]%n", scenario);
        for (FleetPlanner.PoolPlan plan : plans) {
            Map<String, Integer> kinds = new TreeMap<>();
            plan.plan().actions().forEach(action -> kinds.merge(action.getClass().getSimpleName(), 1, Integer::sum));
            System.out.printf("[%s] %s: %d nodes, %d tasks, plan %s, guard %s%n", scenario, plan.pool().name(),
                    plan.snapshot().nodes().size(), plan.snapshot().tasks().size(), kinds,
                    plan.plan().guardTripped() ? "tripped" : "quiet");
            if (Boolean.getBoolean("capacity.bench.print")) {
                plan.plan().actions().stream().filter(action -> !(action instanceof CapacityAction.LabelNode)).limit(6)
                        .forEach(action -> System.out.println("  action " + action.summary() + ": " + action.reason()));
                plan.plan().notes().stream().limit(6).forEach(note -> System.out.println("  note " + note));
            }
        }
        System.out.printf("[%s] planning time (expander, partition and %d plans): median %.1f ms, p90 %.1f ms, min %.1f ms,"
                        + " max %.1f ms%n", scenario, plans.size(), ms(percentile(nanos, 50)), ms(percentile(nanos, 90)),
                ms(nanos[0]), ms(nanos[nanos.length - 1]));
        printCpu(scenario, cpu);
        System.out.printf("[%s] the first %d plans after start (the JIT still compiling, not in the figures above):"
                + " median %.1f ms, p90 %.1f ms%n", scenario, WARM_UP_RUNS, ms(percentile(cold, 50)), ms(percentile(cold, 90)));
        long[] split = new long[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            FleetIndex index = FleetIndex.of(fleet.snapshot(), FleetPartition.nodePools(fleet.snapshot()));
            index.shares(PoolExpander.choose(index, policy, Map.of()).poolByTask());
            split[i] = System.nanoTime() - start;
        }
        Arrays.sort(split);
        System.out.printf("[%s] of which the fleet's index, the expander and the partition: median %.1f ms, p90 %.1f ms%n", scenario,
                ms(percentile(split, 50)), ms(percentile(split, 90)));
    }

    /**
     * One whole check of the five pools through {@link CapacityCheck}, on the in-memory swarm and scale sets, counting
     * the calls to the ports: the Docker calls of the snapshot and the ARM calls of each pool (a listing is one call
     * here; Azure's pages are the adapter's). Actions are not counted: the plan decides them.
     */
    private static void callsPerCheck(Fleet fleet, CapacityPolicy policy) {
        MutableClock clock = new MutableClock(NOW);
        InMemorySwarm swarm = new InMemorySwarm(clock);
        fleet.snapshot().nodes().forEach(swarm::addNode);
        fleet.snapshot().services().forEach(swarm::addService);
        for (Task task : fleet.snapshot().tasks()) {
            swarm.addTask(task.serviceId(), task.nodeId(), task.state(), task.reservations(), task.message());
        }
        Map<String, Integer> calls = new TreeMap<>();
        Swarm countedSwarm = counted(Swarm.class, swarm, "docker", calls);
        List<CapacityCheck.PoolPort> ports = new ArrayList<>();
        for (FleetSnapshot.PoolReading reading : fleet.snapshot().pools()) {
            InMemoryScaleSet set = new InMemoryScaleSet(
                    reading.scaleSet().name(), clock);
            reading.instances().forEach(instance -> set.addInstance(instance.computerName()));
            InMemoryCapacityState state = new InMemoryCapacityState(clock);
            state.arrangeHistory(fleet.histories().get(reading.pool().name()));
            ports.add(new CapacityCheck.PoolPort(reading.pool(), counted(ScaleSet.class, set,
                    "arm " + reading.pool().name(), calls), state));
        }
        InMemoryDrainStatusStore statuses = new InMemoryDrainStatusStore();
        DrainRequests drains = new DrainRequests(swarm, statuses,
                new InMemoryDrainQueue(clock), new DrainSettings(
                        Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofMinutes(15),
                        Duration.ofDays(7)), Optional.empty(), clock, AuditTrail.NONE);
        CapacityCheck check = new CapacityCheck(countedSwarm, ports, statuses, drains, policy.withDryRun(true), clock,
                AuditTrail.NONE, ControlPlaneMetrics.global());
        Logger.getLogger(CapacityCheck.class.getName()).setLevel(Level.WARNING);
        check.run();
        System.out.printf("[5 pools, calls per check (dry run)] %s%n", calls);
    }

    /** The port, counting each call by {@code name} and method into {@code calls}. */
    private static <T> T counted(Class<T> port, T target, String name, Map<String, Integer> calls) {
        return port.cast(Proxy.newProxyInstance(port.getClassLoader(), new Class<?>[] {port},
                (proxy, method, arguments) -> {
                    if (method.getDeclaringClass() != Object.class) {
                        calls.merge(name + " " + method.getName(), 1, Integer::sum);
                    }
                    try {
                        return method.invoke(target, arguments);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                }));
    }

    private record Input(CapacitySnapshot snapshot, CapacityHistory history) {
    }

    private static void measure(String scenario, Input input, CapacityPolicy policy, int runs) {
        List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP).toList();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long threadId = Thread.currentThread().getId();

        CapacityPlan plan = null;
        for (int i = 0; i < WARM_UP_RUNS; i++) {
            plan = CapacityPlanner.plan(input.snapshot(), policy, input.history(), NOW);
        }
        System.gc();
        System.gc();
        long retained = usedHeap(heapPools);
        heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
        long gcCountBefore = gcCount();
        long gcTimeBefore = gcTime();
        long allocatedBefore = threads.getThreadAllocatedBytes(threadId);

        long[] nanos = new long[runs];
        long[] cpu = new long[runs];
        long maxUsedAfterPlan = 0;
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            long startCpu = THREADS.getCurrentThreadCpuTime();
            plan = CapacityPlanner.plan(input.snapshot(), policy, input.history(), NOW);
            cpu[i] = THREADS.getCurrentThreadCpuTime() - startCpu;
            nanos[i] = System.nanoTime() - start;
            maxUsedAfterPlan = Math.max(maxUsedAfterPlan, usedHeap(heapPools));
        }
        long allocated = threads.getThreadAllocatedBytes(threadId) - allocatedBefore;
        long peakOfPools = heapPools.stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();

        Arrays.sort(nanos);
        Map<String, Integer> kinds = new TreeMap<>();
        plan.actions().forEach(action -> kinds.merge(action.getClass().getSimpleName(), 1, Integer::sum));
        System.out.printf("%n[%s] plan: %s, %d notes, guard %s%n", scenario, kinds, plan.notes().size(),
                plan.guardTripped() ? "tripped" : "quiet");
        if (Boolean.getBoolean("capacity.bench.print")) {
            plan.actions().stream().limit(12).forEach(action -> System.out.println("  action " + action.summary() + ": " + action.reason()));
            plan.notes().forEach(note -> System.out.println("  note " + note));
        }
        System.out.printf("[%s] planning time: median %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms%n", scenario,
                ms(percentile(nanos, 50)), ms(percentile(nanos, 90)), ms(nanos[0]), ms(nanos[nanos.length - 1]));
        printCpu(scenario, cpu);
        // Live heap during a plan is at most the snapshot plus what one plan allocates; the pools' peaks also count
        // garbage the collector had no reason to reclaim yet, so they say more about the heap size than the planner.
        System.out.printf("[%s] heap: snapshot and history retained %.1f MiB (after GC), allocated %.1f MiB per plan,"
                        + " so at most %.1f MiB live while planning; peak used %.1f MiB (sum of the heap pools' peaks,"
                        + " garbage included; highest after a plan %.1f MiB); %d GCs, %d ms in GC over %d runs%n",
                scenario, retained / (double) MIB, allocated / (double) runs / MIB,
                (retained + allocated / (double) runs) / MIB, peakOfPools / (double) MIB, maxUsedAfterPlan / (double) MIB,
                gcCount() - gcCountBefore, gcTime() - gcTimeBefore, runs);
    }

    /**
     * The planning thread's CPU time per plan: on a machine others share, wall time counts the time the thread waited
     * for a core, and this does not, so it is the figure to compare between runs under load.
     */
    private static void printCpu(String scenario, long[] cpu) {
        Arrays.sort(cpu);
        System.out.printf("[%s] planning thread's CPU time: median %.1f ms, p90 %.1f ms, min %.1f ms%n", scenario,
                ms(percentile(cpu, 50)), ms(percentile(cpu, 90)), ms(cpu[0]));
    }

    private static long percentile(long[] sorted, int percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static long usedHeap(List<MemoryPoolMXBean> pools) {
        return pools.stream().mapToLong(pool -> pool.getUsage().getUsed()).sum();
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
    }

    private static long gcTime() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }

    /**
     * Three managers and {@code nodeCount} agents; 500 services, a tenth of them constrained to a zone label and
     * two global. Busy agents run about 60 tasks, a fifth of the agents idle ones about 10. Two percent of the tasks
     * are pending: for resources when {@code pendingForResources}, else for an unsatisfiable constraint. A few
     * nodes are down, a few instances never joined, one agent drains for scale-in.
     */
    private static Input synthetic(int nodeCount, int taskCount, boolean pendingForResources) {
        Random random = new Random(42);
        List<Service> services = new ArrayList<>();
        for (int s = 0; s < SERVICES; s++) {
            boolean global = s < 2;
            List<String> constraints = s % 10 == 5 ? List.of("node.labels.zone==" + (s % 3)) : List.of();
            services.add(new Service("svc-" + s, "service-" + s, global ? Service.Mode.GLOBAL : Service.Mode.REPLICATED,
                    global ? 0 : 100, reservation(s), constraints));
        }
        List<Node> nodes = new ArrayList<>();
        List<ScaleSetInstance> instances = new ArrayList<>();
        for (int m = 0; m < 3; m++) {
            nodes.add(new Node("manager-" + m, 1, "manager-" + m, SwarmRole.MANAGER, Node.Availability.DRAIN, Node.State.READY,
                    Map.of(), AGENT, NOW.minus(Duration.ofDays(30))));
        }
        Map<String, Instant> underUtilisedSince = new HashMap<>();
        Map<String, Instant> downSince = new HashMap<>();
        List<DrainStatus> drains = new ArrayList<>();
        for (int n = 0; n < nodeCount; n++) {
            String name = String.format("agent%06d", n);
            Node.State state = n % 250 == 249 ? Node.State.DOWN : Node.State.READY;
            Node.Availability availability = Node.Availability.ACTIVE;
            Map<String, String> labels = Map.of("zone", String.valueOf(n % 3));
            if (n == 7) {
                availability = Node.Availability.DRAIN;
                labels = Map.of("zone", "1", "io.harbormaster.drain-request", "req-7");
                DrainRequest request = new DrainRequest("req-7", name, "node-" + n, DrainReason.SCALE_IN, true,
                        NOW.plus(Duration.ofMinutes(10)), NOW.minusSeconds(20));
                drains.add(new DrainStatus(request, DrainState.DRAINING, false, 3, 0, false, false, null, null, null, null,
                        4, null, NOW.minusSeconds(2)));
            }
            nodes.add(new Node("node-" + n, 1, name, SwarmRole.WORKER, availability, state, labels, AGENT,
                    NOW.minus(Duration.ofDays(1)).plusSeconds(n)));
            // Half the down nodes' instances are gone already: those nodes are clean-up work.
            if (!(state == Node.State.DOWN && n % 500 == 249)) {
                instances.add(new ScaleSetInstance(String.valueOf(n), name, ScaleSetInstance.PowerState.RUNNING, "Succeeded",
                        NOW.minus(Duration.ofDays(1)), n % 100 == 3));
            }
            if (n % 5 == 0) {
                underUtilisedSince.put("node-" + n, NOW.minus(Duration.ofHours(1)));
            }
            if (state == Node.State.DOWN) {
                downSince.put("node-" + n, NOW.minus(Duration.ofHours(1)));
            }
        }
        for (int i = 0; i < 3; i++) {
            instances.add(new ScaleSetInstance(String.valueOf(nodeCount + i), "never-joined-" + i,
                    ScaleSetInstance.PowerState.RUNNING, "Succeeded", NOW.minus(Duration.ofHours(1)), false));
        }

        List<Task> tasks = new ArrayList<>(taskCount);
        int pending = taskCount / 50;
        int running = taskCount - pending;
        // Idle agents (every fifth) get a sixth of a busy agent's share of tasks.
        int idle = (nodeCount + 4) / 5;
        double busyShare = running / (nodeCount - idle + idle / 6.0);
        int t = 0;
        for (int n = 0; n < nodeCount && t < running; n++) {
            Node node = nodes.get(3 + n);
            if (node.state() != Node.State.READY || node.availability() != Node.Availability.ACTIVE) {
                continue;
            }
            int count = (int) Math.round(n % 5 == 0 ? busyShare / 6 : busyShare);
            for (int i = 0; i < 2; i++) {
                tasks.add(task(t++, services.get(i), node.id(), "running", ""));
            }
            for (int i = 2; i < count && t < running; i++) {
                Service service = services.get(2 + random.nextInt(SERVICES - 2));
                if (!service.constraints().isEmpty() && !service.constraints().get(0).endsWith("==" + (n % 3))) {
                    service = services.get(services.indexOf(service) + 1); // its unconstrained neighbour
                }
                tasks.add(task(t++, service, node.id(), "running", ""));
            }
        }
        while (t < running) {
            Node node = nodes.get(3 + 10 + random.nextInt(nodeCount - 10));
            if (node.state() == Node.State.READY && node.availability() == Node.Availability.ACTIVE) {
                tasks.add(task(t++, services.get(2 + random.nextInt(SERVICES - 2)), node.id(), "running", ""));
            }
        }
        for (int p = 0; p < pending; p++) {
            Service service = services.get(2 + random.nextInt(SERVICES - 2));
            String message = pendingForResources && p % 2 == 0
                    ? "no suitable node (insufficient resources on " + nodeCount + " nodes)"
                    : "no suitable node (scheduling constraints not satisfied on " + nodeCount + " nodes)";
            tasks.add(task(t++, service, null, "pending", message));
        }
        ScaleSetModel model = new ScaleSetModel("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/agents",
                "agents", instances.size(), "Standard_D4s_v5", ScaleSetModel.OrchestrationMode.UNIFORM, "Succeeded", "etag");
        CapacityHistory history = new CapacityHistory(NOW.minusSeconds(30), underUtilisedSince, downSince, Map.of(), null, null,
                new CapacityHistory.Reading(instances.size(), instances.size(), NOW.minusSeconds(30)), List.of());
        return new Input(new CapacitySnapshot(nodes, tasks, services, model, instances, drains, NOW), history);
    }

    /** Small reservations, mostly: 10 to 45 milli-CPU and 32 to 256 MiB; every 50th service wants a whole CPU. */
    private static Resources reservation(int service) {
        if (service % 50 == 49) {
            return new Resources(CPU, 1024 * MIB);
        }
        return new Resources((10 + service % 8 * 5) * 1_000_000L, (32 + service % 8 * 32) * MIB);
    }

    private static Task task(int id, Service service, String nodeId, String state, String message) {
        return new Task("task-" + id, service.id(), nodeId, "running", state, message, service.reservations(), NOW.minusSeconds(60));
    }
}
