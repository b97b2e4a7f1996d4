package io.harbormaster.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.harbormaster.capacity.CapacitySettings;
import io.harbormaster.emulator.EmulatorSettings;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.TestService;
import io.harbormaster.testsupport.UpgradeCalls;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rolling upgrade (issue 14's benchmark, third part): a model change (new custom data) on N agents (default 4) under an
 * 8-replica start-first service that opts in to surge drains, on the local cluster. Mode {@code in-place} (the scale
 * set at its maximum: drain, manualUpgrade, rejoin) or {@code surge} (one below: a replacement first, then the old one
 * drained and deleted) or {@code image} (in place, a newer image published under the model's {@code latest}:
 * reimage). Prints the total time, the time below 8 running (sampled about every 100 ms), the tasks lost,
 * each agent's boot (from the VM operation to its new node Ready, as the manager lists it) and the control plane's own
 * share: the total less the boots. Run with bench/lifecycle.sh upgrade [AGENTS] [MODE].
 */
public final class UpgradeBenchmark {
    private static final int REPLICAS = 8;

    private UpgradeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        String mode = args.length > 1 ? args[1] : "in-place";
        if (!java.util.List.of("in-place", "surge", "image").contains(mode)) {
            throw new IllegalArgumentException("MODE is in-place, surge or image: " + mode);
        }
        boolean surge = mode.equals("surge");
        UpgradeCalls.forgetUpgrade();
        EmulatedCluster.forgetCapacityHistory();
        try (EmulatedCluster cluster = EmulatedCluster.start(Map.of(EmulatorSettings.CAPACITY, Integer.toString(agents)),
                Map.of(CapacitySettings.MIN_AGENTS, Integer.toString(agents),
                        CapacitySettings.MAX_AGENTS, Integer.toString(surge ? agents + 1 : agents)))) {
            String scaleSet = cluster.emulator().settings().scaleSetName();
            cluster.await(agents + " ready agents", cluster::nodes, nodes -> nodes.size() == agents
                    && nodes.values().stream().allMatch("ready"::equals), Duration.ofSeconds(180));
            TestService web = TestService.create(cluster.manager(), cluster.prefix() + "-web", REPLICAS,
                    "--constraint", "node.role==worker", "--update-order", "start-first",
                    "--label", "io.harbormaster.drain=surge");
            web.awaitRunning(REPLICAS, Duration.ofSeconds(90));

            // When each (hostname, node id) was first seen Ready, and how long fewer than 8 replicas ran.
            Map<String, Instant> readySeen = new ConcurrentHashMap<>();
            AtomicLong belowMillis = new AtomicLong();
            AtomicInteger fewest = new AtomicInteger(Integer.MAX_VALUE);
            AtomicInteger samples = new AtomicInteger();
            AtomicBoolean watching = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                long last = System.nanoTime();
                while (watching.get()) {
                    int running = web.runningTasks().size();
                    long now = System.nanoTime();
                    if (running < REPLICAS) {
                        belowMillis.addAndGet((now - last) / 1_000_000);
                    }
                    last = now;
                    fewest.accumulateAndGet(running, Math::min);
                    samples.incrementAndGet();
                    pause(100);
                }
            }, "replicas-sampler");
            Thread nodes = new Thread(() -> {
                while (watching.get()) {
                    Instant now = Instant.now();
                    cluster.manager().run("node", "ls", "--format", "{{.ID}} {{.Hostname}} {{.Status}}").lines()
                            .map(line -> line.split(" "))
                            .filter(parts -> parts.length == 3 && parts[2].equals("Ready"))
                            .forEach(parts -> readySeen.putIfAbsent(parts[1] + " " + parts[0], now));
                    pause(250);
                }
            }, "node-watch");
            nodes.start();
            pause(1000);
            Map<String, Instant> readyBefore = new HashMap<>(readySeen);
            sampler.start();

            // The VM operation of each instance: manualUpgrade (rejoining since) or the surge (surge-requested since).
            Map<String, Instant> vmOperation = new LinkedHashMap<>();
            Map<String, String> waitsFor = new LinkedHashMap<>();
            if (mode.equals("image")) {
                cluster.emulator().cloud().publishImageVersion(scaleSet, "24.04.209912010");
            } else {
                UpgradeCalls.changeModel(cluster);
            }
            Instant start = Instant.now();
            var started = UpgradeCalls.post(cluster, "{\"action\":\"start\"}");
            if (started.statusCode() != 202) {
                throw new IllegalStateException("start: " + started.statusCode() + " " + started.body());
            }
            JsonNode status = UpgradeCalls.status(cluster);
            while (!"done".equals(status.path("state").asText())) {
                if (!"running".equals(status.path("state").asText())
                        || Duration.between(start, Instant.now()).toMinutes() > 15) {
                    throw new IllegalStateException("the upgrade stopped: " + status);
                }
                for (JsonNode instance : status.path("instances")) {
                    String phase = instance.path("phase").asText();
                    String id = instance.path("instanceId").asText();
                    // A surge-requested phase can pass between two polls: surging's start (the replacement listed)
                    // then stands in for it, which counts a little of that boot to the control plane.
                    if ((phase.equals("rejoining") || phase.equals("surge-requested") || phase.equals("surging"))
                            && !vmOperation.containsKey(id)) {
                        vmOperation.put(id, Instant.parse(instance.path("phaseSince").asText()));
                        waitsFor.put(id, instance.path("computerName").asText());
                    }
                    if (phase.equals("surging") && !instance.path("replacementId").isMissingNode()) {
                        String replacement = cluster.emulator().cloud().instances(scaleSet).stream()
                                .filter(listed -> listed.instanceId().equals(instance.path("replacementId").asText()))
                                .map(InstanceSnapshot::computerName).findFirst().orElse(null);
                        if (replacement != null) {
                            waitsFor.put(id, replacement);
                        }
                    }
                }
                pause(200);
                status = UpgradeCalls.status(cluster);
            }
            Instant end = Instant.now();
            web.awaitRunning(REPLICAS, Duration.ofSeconds(60));
            watching.set(false);
            sampler.join();
            nodes.join();

            long bootMillis = 0;
            StringBuilder perAgent = new StringBuilder();
            for (Map.Entry<String, Instant> operation : vmOperation.entrySet()) {
                String hostname = waitsFor.get(operation.getKey());
                Instant ready = readySeen.entrySet().stream()
                        .filter(seen -> seen.getKey().startsWith(hostname + " ") && !readyBefore.containsKey(seen.getKey())
                                && seen.getValue().isAfter(operation.getValue()))
                        .map(Map.Entry::getValue).min(Instant::compareTo).orElse(end);
                long boot = Duration.between(operation.getValue(), ready).toMillis();
                bootMillis += boot;
                perAgent.append(String.format("  instance %s: %s -> %s Ready %6d ms%n", operation.getKey(),
                        surge ? "surge" : mode.equals("image") ? "reimage" : "manualUpgrade", hostname, boot));
            }
            long total = Duration.between(start, end).toMillis();
            System.out.println();
            System.out.printf("rolling upgrade of %d agents (%s; 8-replica start-first service, surge drains)%n", agents,
                    surge ? "surge: the scale set one below its maximum"
                            : mode.equals("image") ? "a newer image under latest: reimage in place"
                            : "in place: the scale set at its maximum");
            System.out.printf("  total (POST start -> state done)        %7d ms%n", total);
            System.out.printf("  time below 8 running                    %7d ms  (fewest %d, %d samples)%n",
                    belowMillis.get(), fewest.get(), samples.get());
            System.out.printf("  tasks lost                              %7d%n", Math.max(0, REPLICAS - web.runningTasks().size()));
            System.out.print(perAgent);
            System.out.printf("  nodes' boot (VM operation -> Ready)     %7d ms%n", bootMillis);
            System.out.printf("  control plane's share beyond the boots  %7d ms (%d ms per agent)%n", total - bootMillis,
                    (total - bootMillis) / Math.max(1, vmOperation.size()));
            // The service's own count once the surges and moves that outlive "done" have ended: the owner's 8, or a
            // replica leaked by a surge or a move.
            String replicas = "";
            for (int i = 0; i < 60 && !replicas.equals(Integer.toString(REPLICAS)); i++) {
                replicas = cluster.manager().run("service", "inspect", "--format",
                        "{{.Spec.Mode.Replicated.Replicas}}", web.name()).trim();
                pause(1000);
            }
            System.out.printf("  service's replica count after it      %9s (the owner's: %d)%n", replicas, REPLICAS);
            web.close();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
