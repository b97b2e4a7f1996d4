package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.EmulatorSettings;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.emulator.cloud.ScaleSetChange;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.TestService;
import io.harbormaster.testsupport.UpgradeCalls;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The rolling upgrade on the local cluster: 2 agents at the scale set's maximum under an 8-replica start-first
 * service that opts in to surge drains. A sampler counts the running replicas about every 100 ms: never below 8, and
 * none lost. First a model change (new custom data): POST /api/upgrade drains, upgrades (manualUpgrade: a new disk
 * booted from the new custom data) and waits for each agent to rejoin in turn. Then, on the same cluster, a newer
 * image published under the model's {@code latest}: each agent is reimaged in turn, and the second one's boot hangs
 * (the emulator's knob), so the upgrade pauses saying so; once that VM is restarted, resume completes it. The
 * benchmark (bench/lifecycle.sh upgrade) does 4 agents.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RollingUpgradeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Short, so that the hung boot pauses the upgrade soon; a healthy agent was back about 5 s after its upgrade was
     * sent (measured with 5 agents' builds sharing 2 cores).
     */
    private static final Duration REJOIN_TIMEOUT = Duration.ofSeconds(15);

    private EmulatedCluster cluster;
    private TestService web;
    private String scaleSet;

    @BeforeAll
    void startCluster() throws Exception {
        UpgradeCalls.forgetUpgrade();
        EmulatedCluster.forgetCapacityHistory();
        cluster = EmulatedCluster.start(Map.of(EmulatorSettings.CAPACITY, "2"), Map.of(
                "HARBORMASTER_CAPACITY_MIN_AGENTS", "2", "HARBORMASTER_CAPACITY_MAX_AGENTS", "2",
                "HARBORMASTER_UPGRADE_REJOIN_TIMEOUT", REJOIN_TIMEOUT.toSeconds() + "s"));
        scaleSet = cluster.emulator().settings().scaleSetName();
        cluster.await("two ready agents", cluster::nodes,
                nodes -> nodes.size() == 2 && nodes.values().stream().allMatch("ready"::equals), Duration.ofSeconds(90));
        web = TestService.create(cluster.manager(), cluster.prefix() + "-web", 8,
                "--constraint", "node.role==worker", "--update-order", "start-first",
                "--label", "io.harbormaster.drain=surge");
        web.awaitRunning(8, Duration.ofSeconds(60));
    }

    @AfterAll
    void stopCluster() throws Exception {
        EmulatedCluster.close(cluster, web);
    }

    @Test
    @Order(1)
    void aModelChangeUpgradesEachAgentInTurnWithoutATaskLostOrTheServiceBelowItsReplicas() throws Exception {
        // Bad input changes nothing.
        HttpResponse<String> bad = UpgradeCalls.post(cluster, "{\"action\":\"upgrade-everything\"}");
        assertEquals(400, bad.statusCode(), bad.body());
        assertEquals("invalid_action", JSON.readTree(bad.body()).path("error").asText());
        HttpResponse<String> nothing = UpgradeCalls.post(cluster, "{\"action\":\"start\"}");
        assertEquals(200, nothing.statusCode(), nothing.body());
        assertEquals("none", JSON.readTree(nothing.body()).path("state").asText(), "nothing is behind the model yet");

        int mostUnderWay;
        try (ReplicaSampler sampler = new ReplicaSampler(web)) {
            UpgradeCalls.changeModel(cluster);
            HttpResponse<String> started = UpgradeCalls.post(cluster, "{\"action\":\"start\"}");
            assertEquals(202, started.statusCode(), started.body());
            assertEquals(2, JSON.readTree(started.body()).path("total").asInt(), started.body());
            mostUnderWay = awaitState("done", Duration.ofSeconds(150));
            web.awaitRunning(8, Duration.ofSeconds(30));
            sampler.assertNeverBelow(8);
        }
        assertEquals(1, mostUnderWay, "one agent at a time");
        assertEquals(8, web.runningTasks().size(), "no task lost");
        assertTrue(instances().stream().allMatch(InstanceSnapshot::latestModelApplied),
                "every instance is on the new model");
        assertEquals(2, instances().size(), "upgraded in place at the maximum");
        awaitBothAgentsReady();
        JsonNode statusRoute = JSON.readTree(cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/status"))
                .GET()).body());
        assertEquals("done", statusRoute.path("upgrade").path("state").asText(), statusRoute.path("upgrade").toString());
        assertEquals(2, statusRoute.path("upgrade").path("done").asInt());
        assertTrue(cluster.firstEvent("upgrade", java.time.Instant.now().minusSeconds(600)) != null);
    }

    @Test
    @Order(2)
    // Back in CI: its one CI failure ("the drain ... is not on record") was the capacity check resuming the old node's
    // drain of a re-created VM over the upgrade's drain of the new node (ResumeDrainRule, fixed; note 8).
    void aNewerImageReimagesEachAgentAndOneThatDoesNotComeBackPausesUntilItsHostIsRestarted() throws Exception {
        awaitBothAgentsReady();
        String newest = "24.04.209912010";
        List<InstanceSnapshot> before = instances();
        assertTrue(before.stream().noneMatch(instance -> newest.equals(instance.exactVersion())), before.toString());
        // Instance ids order the upgrade (no zones here): the second one's next boot hangs.
        InstanceSnapshot hung = before.get(before.size() - 1);
        cluster.emulator().holdNextBoot(hung.name());

        try (ReplicaSampler sampler = new ReplicaSampler(web)) {
            cluster.emulator().cloud().publishImageVersion(scaleSet, newest);
            assertTrue(instances().stream().allMatch(InstanceSnapshot::latestModelApplied),
                    "a new image under latest does not change the model");
            HttpResponse<String> started = UpgradeCalls.post(cluster, "{\"action\":\"start\"}");
            assertEquals(202, started.statusCode(), started.body());
            JsonNode status = JSON.readTree(started.body());
            assertEquals(newest, status.path("imageVersion").asText(), started.body());
            assertEquals(2, status.path("total").asInt(), started.body());
            status.path("instances").forEach(instance -> assertEquals("reimage", instance.path("method").asText()));
            assertEquals(hung.instanceId(), status.path("instances").get(1).path("instanceId").asText());

            awaitState("paused", REJOIN_TIMEOUT.plus(Duration.ofSeconds(90)));
            JsonNode paused = UpgradeCalls.status(cluster);
            String why = paused.path("pausedBecause").asText();
            assertTrue(why.contains(hung.computerName()) && why.contains("did not rejoin"), why);
            assertEquals("done", paused.path("instances").get(0).path("phase").asText(), paused.toString());
            assertEquals("rejoining", paused.path("instances").get(1).path("phase").asText(), paused.toString());

            // The operator restarts the host, then resumes.
            cluster.emulator().cloud().restart(scaleSet, List.of(hung.instanceId())).await(Duration.ofSeconds(60));
            HttpResponse<String> resumed = UpgradeCalls.post(cluster, "{\"action\":\"resume\"}");
            assertEquals(200, resumed.statusCode(), resumed.body());
            assertEquals("running", JSON.readTree(resumed.body()).path("state").asText(), resumed.body());
            awaitState("done", REJOIN_TIMEOUT.plus(Duration.ofSeconds(30)));
            web.awaitRunning(8, Duration.ofSeconds(30));
            sampler.assertNeverBelow(8);
        }
        assertEquals(8, web.runningTasks().size(), "no task lost");
        assertTrue(instances().stream().allMatch(instance -> newest.equals(instance.exactVersion())),
                "every instance runs the newest image: " + instances());
        awaitBothAgentsReady();
    }

    /**
     * A size-only model change: manualUpgrade restarts each VM on its old disk. Whether its node comes back under its
     * old id (then the upgrade makes it active again) or rejoins under a new one (the agent's join unit leaves stale
     * swarm state at boot), each agent ends Ready and active, in turn, with nothing lost. Tagged long: about as long
     * as the first case, so CI leaves it out (-Dit.excludedGroups= runs it).
     */
    @Test
    @Order(3)
    @Tag("long")
    void aSizeOnlyChangeRestartsEachAgentOnItsOldDiskAndTakesItsNodeBack() throws Exception {
        awaitBothAgentsReady();
        String nodesBefore = agentNodes();
        try (ReplicaSampler sampler = new ReplicaSampler(web)) {
            cluster.emulator().cloud().update(scaleSet, new ScaleSetChange(null, "Standard_D4s_v5", null, null), null)
                    .await(Duration.ofSeconds(30));
            HttpResponse<String> started = UpgradeCalls.post(cluster, "{\"action\":\"start\"}");
            assertEquals(202, started.statusCode(), started.body());
            // The 15 s rejoin timeout is cut for the hung-boot case; a restart with its drain on shutdown took 9 to
            // over 15 s under load, so a pause on it is resumed here, as an operator would, at most twice.
            for (int resumes = 0; resumes <= 2; resumes++) {
                try {
                    awaitState("done", Duration.ofSeconds(150));
                    break;
                } catch (AssertionError paused) {
                    JsonNode status = UpgradeCalls.status(cluster);
                    if (resumes == 2 || !status.path("pausedBecause").asText().contains("did not rejoin")) {
                        throw paused;
                    }
                    System.out.println("size-only upgrade paused on the short rejoin timeout; resuming: "
                            + status.path("pausedBecause").asText());
                    assertEquals(200, UpgradeCalls.post(cluster, "{\"action\":\"resume\"}").statusCode());
                }
            }
            web.awaitRunning(8, Duration.ofSeconds(30));
            sampler.assertNeverBelow(8);
        }
        JsonNode done = UpgradeCalls.status(cluster);
        // What the emulated agents do, for the record: "is back" (old id) or a new node id.
        System.out.println("size-only upgrade outcomes: " + done.path("instances").findValuesAsText("outcome")
                + "\nagent nodes before:\n" + nodesBefore + "\nafter:\n" + agentNodes());
        assertTrue(instances().stream().allMatch(i -> i.latestModelApplied() && i.skuName().equals("Standard_D4s_v5")));
        assertEquals(8, web.runningTasks().size(), "no task lost");
        // A restarted agent may rejoin under a new id (its join unit leaves stale swarm state at boot): its old node
        // reads Ready (and drained) until swarm's heartbeat timeout marks it down, and the drain then removes it.
        cluster.await("two Ready agent nodes, both active", this::agentNodes, lines -> {
            List<String> ready = lines.lines().filter(line -> line.contains(" Ready ")).toList();
            return ready.size() == 2 && ready.stream().allMatch(line -> line.endsWith(" Active"));
        }, Duration.ofSeconds(60));
    }

    /** The agents' swarm nodes, one line each: id, hostname, state, availability. */
    private String agentNodes() {
        return cluster.manager().run("node", "ls", "--format", "{{.ID}} {{.Hostname}} {{.Status}} {{.Availability}}")
                .lines().filter(line -> line.contains(" " + cluster.prefix())).collect(java.util.stream.Collectors.joining("\n"));
    }

    private List<InstanceSnapshot> instances() {
        return cluster.emulator().cloud().instances(scaleSet);
    }

    private void awaitBothAgentsReady() throws InterruptedException {
        Predicate<Map<String, String>> bothReady = nodes -> nodes.values().stream().filter("ready"::equals).count() == 2;
        cluster.await("both agents ready", cluster::nodes, bothReady, Duration.ofSeconds(30));
    }

    /**
     * Polls the upgrade until it is in {@code state}, failing on any state but running; returns the most instances
     * under way at once. Prints how long each instance took from the upgrade sent to its node back (the rejoin timeout
     * must leave room for it under CI's load).
     */
    private int awaitState(String state, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        long started = System.nanoTime();
        int mostUnderWay = 0;
        Map<String, Long> rejoiningSince = new java.util.HashMap<>();
        JsonNode status = UpgradeCalls.status(cluster);
        while (!state.equals(status.path("state").asText())) {
            for (JsonNode instance : status.path("instances")) {
                String id = instance.path("instanceId").asText();
                String phase = instance.path("phase").asText();
                if (phase.equals("rejoining")) {
                    rejoiningSince.putIfAbsent(id, System.nanoTime());
                } else if (phase.equals("done") && rejoiningSince.containsKey(id)) {
                    System.out.printf("RollingUpgradeIT: instance %s back %d ms after its upgrade was sent%n", id,
                            (System.nanoTime() - rejoiningSince.remove(id)) / 1_000_000);
                }
            }
            assertTrue(System.nanoTime() < deadline, "the upgrade did not reach " + state + ": " + status
                    + "\n" + tail(cluster.host().output()));
            assertEquals("running", status.path("state").asText(), status.toString());
            int underWay = 0;
            for (JsonNode instance : status.path("instances")) {
                String phase = instance.path("phase").asText();
                underWay += phase.equals("pending") || phase.equals("done") ? 0 : 1;
            }
            mostUnderWay = Math.max(mostUnderWay, underWay);
            Thread.sleep(250);
            status = UpgradeCalls.status(cluster);
        }
        for (JsonNode instance : status.path("instances")) {
            Long since = rejoiningSince.get(instance.path("instanceId").asText());
            if (since != null && instance.path("phase").asText().equals("done")) {
                System.out.printf("RollingUpgradeIT: instance %s back %d ms after its upgrade was sent%n",
                        instance.path("instanceId").asText(), (System.nanoTime() - since) / 1_000_000);
            }
        }
        System.out.printf("RollingUpgradeIT: %s after %d ms%n", state, (System.nanoTime() - started) / 1_000_000);
        return mostUnderWay;
    }

    /** Counts the service's running replicas about every 100 ms while open, remembering the fewest. */
    private static final class ReplicaSampler implements AutoCloseable {
        private final AtomicInteger fewestRunning = new AtomicInteger(Integer.MAX_VALUE);
        private final AtomicInteger samples = new AtomicInteger();
        private final AtomicBoolean sampling = new AtomicBoolean(true);
        private final Thread thread;

        ReplicaSampler(TestService service) {
            thread = new Thread(() -> {
                while (sampling.get()) {
                    fewestRunning.accumulateAndGet(service.runningTasks().size(), Math::min);
                    samples.incrementAndGet();
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "running-replicas-sampler");
            thread.start();
        }

        void assertNeverBelow(int replicas) throws InterruptedException {
            close();
            assertTrue(samples.get() > 50, "the sampler ran: " + samples.get());
            assertTrue(fewestRunning.get() >= replicas, "running replicas dropped to " + fewestRunning.get());
        }

        @Override
        public void close() throws InterruptedException {
            sampling.set(false);
            thread.join();
        }
    }

    private static String tail(String output) {
        return output.substring(Math.max(0, output.length() - 8000));
    }
}
