package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.EmulatorSettings;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.TestService;
import io.harbormaster.testsupport.UpgradeCalls;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A model change (new custom data) on 2 agents under an 8-replica start-first service that opts in to surge drains, on
 * the local cluster with the scale set at its maximum: POST /api/upgrade drains, upgrades (manualUpgrade: a new disk
 * booted from the new custom data) and waits for each agent to rejoin in turn. A sampler counts the running replicas
 * about every 100 ms: never below 8, and none lost. The benchmark (bench/lifecycle.sh upgrade) does 4 agents.
 */
class RollingUpgradeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aModelChangeUpgradesEachAgentInTurnWithoutATaskLostOrTheServiceBelowItsReplicas() throws Exception {
        UpgradeCalls.forgetUpgrade();
        EmulatedCluster.forgetCapacityHistory();
        try (EmulatedCluster cluster = EmulatedCluster.start(Map.of(EmulatorSettings.CAPACITY, "2"), Map.of(
                "HARBORMASTER_CAPACITY_MIN_AGENTS", "2", "HARBORMASTER_CAPACITY_MAX_AGENTS", "2",
                "HARBORMASTER_UPGRADE_REJOIN_TIMEOUT", "2m"))) {
            String scaleSet = cluster.emulator().settings().scaleSetName();
            cluster.await("two ready agents", cluster::nodes,
                    nodes -> nodes.size() == 2 && nodes.values().stream().allMatch("ready"::equals), Duration.ofSeconds(90));
            TestService web = TestService.create(cluster.manager(), cluster.prefix() + "-web", 8,
                    "--constraint", "node.role==worker", "--update-order", "start-first",
                    "--label", "io.harbormaster.drain=surge");
            web.awaitRunning(8, Duration.ofSeconds(60));

            // Bad input changes nothing.
            HttpResponse<String> bad = UpgradeCalls.post(cluster, "{\"action\":\"upgrade-everything\"}");
            assertEquals(400, bad.statusCode(), bad.body());
            assertEquals("invalid_action", JSON.readTree(bad.body()).path("error").asText());
            HttpResponse<String> nothing = UpgradeCalls.post(cluster, "{\"action\":\"start\"}");
            assertEquals(200, nothing.statusCode(), nothing.body());
            assertEquals("none", JSON.readTree(nothing.body()).path("state").asText(), "nothing is behind the model yet");

            AtomicInteger fewestRunning = new AtomicInteger(Integer.MAX_VALUE);
            AtomicInteger samples = new AtomicInteger();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    fewestRunning.accumulateAndGet(web.runningTasks().size(), Math::min);
                    samples.incrementAndGet();
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "running-replicas-sampler");
            sampler.start();
            int mostUnderWay = 0;
            try {
                UpgradeCalls.changeModel(cluster);
                HttpResponse<String> started = UpgradeCalls.post(cluster, "{\"action\":\"start\"}");
                assertEquals(202, started.statusCode(), started.body());
                assertEquals(2, JSON.readTree(started.body()).path("total").asInt(), started.body());

                long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
                JsonNode status = UpgradeCalls.status(cluster);
                while (!"done".equals(status.path("state").asText())) {
                    assertTrue(System.nanoTime() < deadline, "the upgrade did not end: " + status
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
                web.awaitRunning(8, Duration.ofSeconds(30));
            } finally {
                sampling.set(false);
                sampler.join();
            }
            assertEquals(1, mostUnderWay, "one agent at a time");
            assertTrue(samples.get() > 50, "the sampler ran: " + samples.get());
            assertTrue(fewestRunning.get() >= 8, "running replicas dropped to " + fewestRunning.get());
            assertEquals(8, web.runningTasks().size(), "no task lost");
            assertTrue(cluster.emulator().cloud().instances(scaleSet).stream().allMatch(InstanceSnapshot::latestModelApplied),
                    "every instance is on the new model");
            assertEquals(2, cluster.emulator().cloud().instances(scaleSet).size(), "upgraded in place at the maximum");
            cluster.await("both agents ready", cluster::nodes,
                    nodes -> nodes.values().stream().filter("ready"::equals).count() == 2, Duration.ofSeconds(30));
            JsonNode statusRoute = JSON.readTree(cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/status"))
                    .GET()).body());
            assertEquals("done", statusRoute.path("upgrade").path("state").asText(), statusRoute.path("upgrade").toString());
            assertEquals(2, statusRoute.path("upgrade").path("done").asInt());
            assertTrue(cluster.firstEvent("upgrade", java.time.Instant.now().minusSeconds(600)) != null);
        }
    }

    private static String tail(String output) {
        return output.substring(Math.max(0, output.length() - 8000));
    }
}
