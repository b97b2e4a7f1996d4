package io.harbormaster.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.harbormaster.capacity.CapacitySettings;
import io.harbormaster.config.DockerSettings;
import io.harbormaster.emulator.AzureEmulator;
import io.harbormaster.emulator.EmulatorSettings;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.TestService;
import io.harbormaster.trust.TrustSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Event-driven scale-out (issue 14's benchmark, first part): on a cluster booted from our cloud-init (manager VM 0 from
 * master.yml, agents from agent.yml) with the capacity timer at its default 30 s, each run creates a service whose one
 * task fits on no agent there is, and times service create -> the scale request (the scale-out on the audit trail) and
 * -> the task running (a new agent booted, joined and took it). Run with bench/lifecycle.sh.
 */
public final class LifecycleBenchmark {

    private LifecycleBenchmark() {
    }

    /** {@code [RUNS] [scale-out|rebalance|all]}: 5 runs of each case by default. */
    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String which = args.length > 1 ? args[1] : "all";
        if (!List.of("scale-out", "rebalance", "all").contains(which)) {
            throw new IllegalArgumentException("the case is scale-out, rebalance or all, not " + which);
        }
        if (!which.equals("rebalance")) {
            scaleOut(runs);
        }
        if (!which.equals("scale-out")) {
            RebalanceBenchmark.measure(runs);
        }
    }

    /**
     * A fresh cluster booted from our cloud-init: manager VM 0 from master.yml (its unit forwards the swarm's events),
     * no agent until the control plane asks for one, the capacity timer at 30 s; {@code hostSettings} add to that.
     */
    static EmulatedCluster clusterWithManagerVm(Map<String, String> hostSettings) throws Exception {
        EmulatedCluster.forgetCapacityHistory();
        return EmulatedCluster.start(Map.of(EmulatorSettings.CAPACITY, "0"), emulator -> {
            String master = emulator.settings().computerNamePrefix() + "m0";
            String master0 = EmulatedCluster.bootFirstManager(emulator, master);
            Map<String, String> settings = new java.util.HashMap<>(Map.of(DockerSettings.HOSTS, master0,
                    TrustSettings.MANAGER_VM_NAMES, master, CapacitySettings.SCHEDULE, "*/30 * * * * *"));
            settings.putAll(hostSettings);
            return settings;
        });
    }

    private static void scaleOut(int runs) throws Exception {
        try (EmulatedCluster cluster = clusterWithManagerVm(Map.of(
                CapacitySettings.MIN_AGENTS, "1", CapacitySettings.MAX_AGENTS, Integer.toString(runs + 2)))) {
            AzureEmulator emulator = cluster.emulator();
            String scaleSet = emulator.settings().scaleSetName();
            String first = cluster.await("the first agent", () -> emulator.cloud().instances(scaleSet).stream()
                    .map(InstanceSnapshot::computerName).findFirst().orElse(""), name -> !name.isEmpty(), Duration.ofSeconds(90));
            cluster.await("the first agent ready", cluster::nodes, nodes -> "ready".equals(nodes.get(first)),
                    Duration.ofSeconds(120));
            // The first agent is taken up, so that each run's task needs an agent of its own.
            TestService.create(cluster.manager(), cluster.prefix() + "-filler", 1, "--constraint", "node.role==worker",
                    "--reserve-cpu", "1.5").awaitRunning(1, Duration.ofSeconds(60));
            List<Long> toRequest = new ArrayList<>();
            List<Long> toRunning = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                // Let the timer's phase fall where it may: the runs start at no particular point of its 30 s.
                Thread.sleep(3000 + 1700L * run);
                Instant created = Instant.now();
                TestService service = TestService.create(cluster.manager(), cluster.prefix() + "-run" + run, 1,
                        "--constraint", "node.role==worker", "--reserve-cpu", "1.5");
                JsonNode scaleOut = cluster.await("run " + run + ": the scale request", () -> cluster.firstEvent("scale-out", created),
                        event -> event != null, Duration.ofSeconds(60));
                long request = Duration.between(created, Instant.parse(scaleOut.path("at").asText())).toMillis();
                service.awaitRunning(1, Duration.ofSeconds(120));
                long running = Duration.between(created, Instant.now()).toMillis();
                toRequest.add(request);
                toRunning.add(running);
                System.out.printf("run %d: service create -> scale request %d ms, -> task running %d ms%n", run, request, running);
            }
            System.out.println();
            System.out.println("event-driven scale-out (timer at 30 s, " + runs + " runs; manager and agents booted from our cloud-init)");
            System.out.printf("  service create -> scale request     p50 %6d ms   max %6d ms%n", p50(toRequest), max(toRequest));
            System.out.printf("  service create -> task running      p50 %6d ms   max %6d ms%n", p50(toRunning), max(toRunning));
        }
    }

    static long p50(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get((sorted.size() - 1) / 2);
    }

    static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
