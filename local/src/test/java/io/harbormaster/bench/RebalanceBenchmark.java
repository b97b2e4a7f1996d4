package io.harbormaster.bench;

import io.harbormaster.capacity.CapacitySettings;
import io.harbormaster.emulator.cloud.ScaleSetChange;
import io.harbormaster.lifecycle.RebalanceSettings;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.RunningTasksSampler;
import io.harbormaster.testsupport.TestService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rebalance after a scale-out (issue 14's benchmark, second part): on a cluster booted from our cloud-init (manager VM
 * 0 from master.yml, whose unit forwards the swarm's node events; agents from agent.yml) with the capacity timer at
 * 30 s, two agents run an 8-replica start-first service, the scale set's capacity is raised from 2 to 4 from outside,
 * and each run times the new nodes Ready -> an even spread (2 per agent), and the time the service ran below 8
 * (sampled every ~100 ms). A fresh cluster per run. Run with bench/lifecycle.sh RUNS rebalance
 * ({@link LifecycleBenchmark}).
 */
final class RebalanceBenchmark {
    private static final int REPLICAS = 8;

    private RebalanceBenchmark() {
    }

    static void measure(int runs) throws Exception {
        List<Long> toEven = new ArrayList<>();
        List<Long> below = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            long[] figures = run(run);
            toEven.add(figures[0]);
            below.add(figures[1]);
        }
        System.out.println();
        System.out.println("rebalance after a scale-out from outside, 2 -> 4 agents under " + REPLICAS
                + " start-first replicas (timer at 30 s, node events forwarded by the manager; " + runs + " runs)");
        System.out.printf("  new nodes ready -> even spread      p50 %6d ms   max %6d ms%n", LifecycleBenchmark.p50(toEven), LifecycleBenchmark.max(toEven));
        System.out.printf("  time below %d running               p50 %6d ms   max %6d ms%n", REPLICAS, LifecycleBenchmark.p50(below),
                LifecycleBenchmark.max(below));
    }

    /** One run on a fresh cluster: {ready -> even ms, below desired ms}. */
    private static long[] run(int run) throws Exception {
        try (EmulatedCluster cluster = LifecycleBenchmark.clusterWithManagerVm(Map.of(
                CapacitySettings.MIN_AGENTS, "2", CapacitySettings.MAX_AGENTS, "4", RebalanceSettings.MAX_MOVES, "2"))) {
            cluster.await("two agents ready", () -> agents(cluster),
                    nodes -> nodes.size() == 2 && nodes.values().stream().allMatch("ready"::equals), Duration.ofSeconds(180));
            TestService service = TestService.create(cluster.manager(), cluster.prefix() + "-web", REPLICAS,
                    "--update-order", "start-first", "--constraint", "node.role==worker");
            service.awaitRunning(REPLICAS, Duration.ofSeconds(60));
            long readyToEven;
            try (RunningTasksSampler sampler = RunningTasksSampler.start(cluster.manager(), service.name(), REPLICAS)) {
                cluster.emulator().cloud().update(cluster.emulator().settings().scaleSetName(),
                        new ScaleSetChange(4L, null, null, null), null);
                Instant ready = awaitFourReady(cluster);
                while (!TestService.even(service.runningTasksPerNode(), 4, REPLICAS)) {
                    if (Duration.between(ready, Instant.now()).toSeconds() > 180) {
                        throw new AssertionError("no even spread within 180 s: " + service.runningTasksPerNode());
                    }
                    Thread.sleep(100);
                }
                readyToEven = Duration.between(ready, Instant.now()).toMillis();
                sampler.close();
                System.out.printf("run %d: new nodes ready -> even %d ms; below %d running %d ms (fewest %d, %d samples)%n",
                        run, readyToEven, REPLICAS, sampler.belowDesired().toMillis(), sampler.fewest(), sampler.samples());
                return new long[] {readyToEven, sampler.belowDesired().toMillis()};
            } finally {
                service.close();
            }
        }
    }

    /** The agents' states by hostname: the cluster's nodes less manager VM 0, whose hostname has the same prefix. */
    private static Map<String, String> agents(EmulatedCluster cluster) {
        Map<String, String> nodes = new java.util.HashMap<>(cluster.nodes());
        nodes.remove(cluster.prefix() + "m0");
        return nodes;
    }

    /** When the last of the four agents was first seen Ready, polled every 100 ms. */
    private static Instant awaitFourReady(EmulatedCluster cluster) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(180);
        while (true) {
            Map<String, String> nodes = agents(cluster);
            if (nodes.size() == 4 && nodes.values().stream().allMatch("ready"::equals)) {
                return Instant.now();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("four agents not ready within 180 s: " + nodes);
            }
            Thread.sleep(100);
        }
    }
}
