package io.harbormaster.bench;

import io.harbormaster.capacity.CapacitySettings;
import io.harbormaster.emulator.AzureEmulator;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.TestService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Scale-out from a warm (deallocated) instance against scale-out with a new one, in the same run, with the emulator's
 * timings (issue 13's warm pool benchmark). The capacity check runs every 2 s in deallocate mode. Each round times
 * service create -> the task running twice: once when the scale set has no warm instance (a new one is created, boots
 * from its cloud-config and joins), once when it has the one the previous scale-in deallocated (started, it boots from
 * its disk and joins afresh). Between rounds the warm instance is deleted through the emulator, so the next "new"
 * finds none. Run with bench/warm.sh.
 */
public final class WarmStartBenchmark {

    private WarmStartBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        EmulatedCluster.forgetCapacityHistory();
        try (EmulatedCluster cluster = EmulatedCluster.start(Map.of(), Map.of(
                "HARBORMASTER_CAPACITY_SCHEDULE", "*/2 * * * * *",
                CapacitySettings.MIN_AGENTS, "1", CapacitySettings.MAX_AGENTS, "3",
                CapacitySettings.MAX_SCALE_OUT_STEP, "1",
                CapacitySettings.UNNEEDED_TIME, "2s", CapacitySettings.SCALE_IN_DELAY_AFTER_SCALE_OUT, "1s",
                CapacitySettings.SCALE_IN_MODE, "deallocate", CapacitySettings.WARM_MAX, "1"))) {
            AzureEmulator emulator = cluster.emulator();
            String scaleSet = emulator.settings().scaleSetName();
            cluster.await("the first agent ready", cluster::nodes, n -> n.size() == 1 && n.containsValue("ready"),
                    Duration.ofSeconds(120));
            // The first agent is taken up, so that each measured task needs an agent of its own.
            double cpus = Runtime.getRuntime().availableProcessors();
            String reserve = Double.toString(cpus * 0.75);
            TestService filler = TestService.create(cluster.manager(), cluster.prefix() + "-filler", 1, "--constraint",
                    "node.role==worker", "--reserve-cpu", reserve);
            try {
                filler.awaitRunning(1, Duration.ofSeconds(60));
                rounds(cluster, emulator, scaleSet, rounds, reserve);
            } finally {
                // The swarm is shared: a filler left behind would take room on the next cluster's agents.
                filler.close();
            }
        }
    }

    private static void rounds(EmulatedCluster cluster, AzureEmulator emulator, String scaleSet, int rounds, String reserve)
            throws Exception {
        List<Long> fresh = new ArrayList<>();
        List<Long> warm = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            // "New" must find no warm instance: every one kept so far is deleted through the emulator first.
            List<String> deleted = deleteWarm(cluster, emulator, scaleSet);
            long created = measure(cluster, "round " + round + " new", reserve);
            String instance = awaitWarm(cluster, emulator, scaleSet);
            long started = measure(cluster, "round " + round + " warm", reserve);
            awaitWarm(cluster, emulator, scaleSet);
            fresh.add(created);
            warm.add(started);
            System.out.printf("round %d: new instance %6d ms   warm instance %6d ms   (service create -> task running;"
                    + " warm instance %s; deleted before the round: %s)%n", round, created, started, instance, deleted);
        }
        System.out.println();
        System.out.println("scale-out for one pending task, check every 2 s, emulator timings, " + rounds + " rounds");
        System.out.printf("  new instance   (create, boot from cloud-config, join)   p50 %6d ms   max %6d ms%n",
                p50(fresh), max(fresh));
        System.out.printf("  warm instance  (start, boot from its disk, join)        p50 %6d ms   max %6d ms%n",
                p50(warm), max(warm));
    }

    /** Creates a one-task service that fits on no running agent, waits for it to run, removes it; the time to running. */
    private static long measure(EmulatedCluster cluster, String what, String reserve) throws Exception {
        Instant created = Instant.now();
        long t0 = System.nanoTime();
        try (TestService service = TestService.create(cluster.manager(), cluster.prefix() + "-" + what.replace(' ', '-'), 1,
                "--constraint", "node.role==worker", "--reserve-cpu", reserve)) {
            service.awaitRunning(1, Duration.ofSeconds(120));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (cluster.firstEvent(what.endsWith("warm") ? "instance-power" : "scale-out", created) == null) {
                String decisions = cluster.host().output().lines()
                        .filter(line -> line.contains("capacity: ") || line.contains("drain ")).collect(Collectors.joining("\n"));
                throw new AssertionError(what + ": no " + (what.endsWith("warm") ? "warm start" : "scale-out")
                        + " on the trail; the host's capacity and drain lines:\n" + decisions);
            }
            return ms;
        }
    }

    /** Deletes every deallocated instance through the emulator and waits until they are gone; their ids. */
    private static List<String> deleteWarm(EmulatedCluster cluster, AzureEmulator emulator, String scaleSet)
            throws Exception {
        List<String> warm = emulator.cloud().instances(scaleSet).stream()
                .filter(i -> i.powerState().equals("deallocated")).map(InstanceSnapshot::instanceId).toList();
        if (!warm.isEmpty()) {
            emulator.cloud().deleteInstances(scaleSet, warm);
            cluster.await("the warm instances " + warm + " deleted", () -> emulator.cloud().instances(scaleSet),
                    list -> list.stream().noneMatch(i -> warm.contains(i.instanceId())), Duration.ofSeconds(60));
        }
        return warm;
    }

    /** Waits until the idle agent's scale-in has deallocated its instance and removed its node; its instance id. */
    private static String awaitWarm(EmulatedCluster cluster, AzureEmulator emulator, String scaleSet) throws Exception {
        List<InstanceSnapshot> instances = cluster.await("a warm instance", () -> emulator.cloud().instances(scaleSet),
                list -> list.stream().anyMatch(i -> i.powerState().equals("deallocated")), Duration.ofSeconds(90));
        cluster.await("one agent left", cluster::nodes, n -> n.size() == 1, Duration.ofSeconds(60));
        return instances.stream().filter(i -> i.powerState().equals("deallocated")).findFirst().orElseThrow().instanceId();
    }

    private static long p50(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get((sorted.size() - 1) / 2);
    }

    private static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
