package io.harbormaster.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.harbormaster.capacity.CapacitySettings;
import io.harbormaster.config.DockerSettings;
import io.harbormaster.emulator.AzureEmulator;
import io.harbormaster.emulator.EmulatorSettings;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.emulator.nodes.UnitState;
import io.harbormaster.testsupport.DockerCli;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.TestService;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Managers booted from cloud-init/master.yml alone, as Azure boots them: manager VM 0 initialises a swarm of its own,
 * the control plane is pointed at it, and manager VM 1 joins it as a manager through the join function, proving who it
 * is with its IMDS attested document only (no key on any VM). With no timer to wait for, a service that needs a worker
 * has the control plane scale out through the swarm's events, which manager 0 forwards; the agent joins as a worker. The suite's shared swarm is not touched: adding a manager
 * to it would change its quorum.
 */
class ManagerJoinIT {
    private static final String BOOTSTRAP = "harbormaster-manager-bootstrap.service";

    @Test
    void aSecondManagerVmJoinsTheFirstOnesSwarmAsAManagerByAttestationAlone() throws Exception {
        // A cluster of its own: the capacity history an earlier test left in the shared storage account must not count.
        EmulatedCluster.forgetCapacityHistory();
        AtomicReference<String> first = new AtomicReference<>();
        AtomicReference<String> second = new AtomicReference<>();
        try (EmulatedCluster cluster = EmulatedCluster.start(Map.of(EmulatorSettings.CAPACITY, "0"), emulator -> {
            String prefix = emulator.settings().computerNamePrefix();
            first.set(prefix + "m0");
            second.set(prefix + "m1");
            return Map.of(DockerSettings.HOSTS, EmulatedCluster.bootFirstManager(emulator, first.get()),
                    TrustSettings.MANAGER_VM_NAMES, first.get() + "," + second.get(),
                    // One agent at least, and no timer: only the swarm's events, which master0's harbormaster-swarm-events
                    // unit forwards, run a check (the first, when master1 joins).
                    CapacitySettings.MIN_AGENTS, "1", "HARBORMASTER_CAPACITY_SCHEDULE", "0 0 0 1 1 *");
        })) {
            AzureEmulator emulator = cluster.emulator();
            String master0Address = emulator.cloud().standaloneVm(first.get()).orElseThrow().address().getHostAddress();
            assertEquals(UnitState.ACTIVE, emulator.machines().units(first.get()).get(BOOTSTRAP));
            assertTrue(unitLog(emulator, first.get()).contains("initialised the swarm, advertising " + master0Address + ":2377"),
                    unitLog(emulator, first.get()));

            emulator.bootManager(second.get(), 1);
            Map<String, String> managers;
            try {
                managers = cluster.await("master1 a reachable manager of master0's swarm",
                        () -> managerStatus(cluster.manager()),
                        status -> "Reachable".equals(status.get(second.get())), Duration.ofSeconds(120));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nmaster1's bootstrap unit:\n" + unitLog(emulator, second.get()), e);
            }
            assertEquals("Leader", managers.get(first.get()), managers.toString());
            cluster.await("master1's bootstrap unit done", () -> emulator.machines().units(second.get()).get(BOOTSTRAP),
                    UnitState.ACTIVE::equals, Duration.ofSeconds(30));
            String log = unitLog(emulator, second.get());
            assertTrue(log.contains("joined the swarm as a manager through " + master0Address + ":2377"), log);
            assertFalse(log.contains("SWMTKN-"), "no join token in the manager's log");

            // master1 is a manager of that swarm in its own right: it lists the nodes itself.
            DockerCli master1 = DockerCli.forHost(emulator.machines().dockerHost(second.get()));
            assertEquals("active true", master1.run("info", "--format",
                    "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}"));
            assertEquals(managerStatus(master1).keySet(), managers.keySet());
            // The check master1's joining caused scales the empty scale set out to its minimum: one agent, from
            // cloud-init/agent.yml, which joins the same swarm as a worker by attestation.
            String scaleSet = emulator.settings().scaleSetName();
            String agent = cluster.await("an agent of the scale set", () -> emulator.cloud().instances(scaleSet).stream()
                    .map(InstanceSnapshot::computerName).findFirst().orElse(""), name -> !name.isEmpty(), Duration.ofSeconds(60));
            cluster.await("the agent a ready worker of master0's swarm", cluster::nodes,
                    nodes -> "ready".equals(nodes.get(agent)), Duration.ofSeconds(120));
            assertEquals("", managerStatus(cluster.manager()).get(agent), "the agent is a worker");

            // A service whose second task fits on no agent there is: its creation, forwarded by the leader, has the
            // control plane scale out at once, with no timer.
            Instant created = Instant.now();
            TestService web = TestService.create(cluster.manager(), cluster.prefix() + "-web", 2,
                    "--constraint", "node.role==worker", "--reserve-cpu", "1.5");
            JsonNode scaleOut;
            try {
                scaleOut = cluster.await("a scale-out on the trail", () -> cluster.firstEvent("scale-out", created),
                        event -> event != null, Duration.ofSeconds(30));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nmaster0's forwarder:\n"
                        + unitLog(emulator, first.get(), "harbormaster-swarm-events.service"), e);
            }
            long toScaleRequest = Duration.between(created, Instant.parse(scaleOut.path("at").asText())).toMillis();
            System.out.println("[ManagerJoinIT] service create -> scale request (event-driven, no timer): "
                    + toScaleRequest + " ms");
            assertEquals("started", scaleOut.path("details").path("outcome").asText(), scaleOut.toString());
            assertEquals("2", scaleOut.path("details").path("toCapacity").asText(), scaleOut.toString());
            web.awaitRunning(2, Duration.ofSeconds(120));

            // The status reports the managers' quorum: both reachable, a majority.
            HttpResponse<String> status = cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/status")).GET());
            assertEquals(200, status.statusCode(), status.body());
            com.fasterxml.jackson.databind.JsonNode quorum = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(status.body()).path("managers");
            assertEquals(2, quorum.path("total").asInt(), quorum.toString());
            assertEquals(2, quorum.path("reachable").asInt(), quorum.toString());
            assertTrue(quorum.path("majority").asBoolean(), quorum.toString());

            // The control plane's metrics, on the local host's Prometheus endpoint and for the operator only: the last
            // check's nodes (two managers and the two agents, ready) and the joins it served, by role.
            String exposed = cluster.await("the four nodes in the metrics", () -> metrics(cluster),
                    body -> sum(body, "harbormaster_nodes{", "state=\"ready\"") == 4, Duration.ofSeconds(30));
            assertTrue(sum(exposed, "harbormaster_join_requests_total{", "result=\"served\",role=\"manager\"") >= 1, exposed);
            assertTrue(sum(exposed, "harbormaster_join_requests_total{", "result=\"served\",role=\"worker\"") >= 1, exposed);
            assertTrue(sum(exposed, "harbormaster_capacity_check_duration_seconds_count{", "outcome=\"ok\"") >= 1, exposed);
            assertFalse(exposed.contains("SWMTKN-") || exposed.contains(cluster.masterKey()), "no secret in the metrics");
            HttpResponse<String> anonymous = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    cluster.host().uri("/api/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode(), "metrics are the operator's");

            // No key and no secret was handed to either VM: their files are their cloud-config's, which holds none.
            for (String vm : new String[] {first.get(), second.get()}) {
                Path env = emulator.machines().stateDirectory(vm).resolve("rootfs/etc/harbormaster/manager.env");
                String text = Files.readString(env, StandardCharsets.UTF_8);
                assertFalse(text.contains(cluster.key()) || text.contains(cluster.masterKey()), vm + "'s manager.env");
                assertTrue(text.contains("HARBORMASTER_IMDS_URL=" + emulator.imds().url().toString().replaceAll("/$", "")),
                        "the manager asks the emulator's IMDS, never 169.254.169.254: " + text);
            }
        }
    }

    private static String metrics(EmulatedCluster cluster) {
        try {
            HttpResponse<String> response = cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/metrics")).GET());
            assertEquals(200, response.statusCode(), response.body());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            return response.body();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The sum of the samples of {@code metric} (its name and "{") whose labels contain {@code labels}. */
    private static double sum(String text, String metric, String labels) {
        return text.lines().filter(line -> line.startsWith(metric) && line.contains(labels))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** Hostname to manager status (Leader, Reachable; empty for a worker), as {@code docker node ls} shows it. */
    private static Map<String, String> managerStatus(DockerCli manager) {
        return manager.run("node", "ls", "--format", "{{.Hostname}} {{.ManagerStatus}}").lines()
                .map(line -> line.split(" ", 2))
                .collect(Collectors.toMap(parts -> parts[0], parts -> parts.length > 1 ? parts[1].strip() : "",
                        (a, b) -> a.isEmpty() ? b : a));
    }

    private static String unitLog(AzureEmulator emulator, String vm) throws java.io.IOException {
        return unitLog(emulator, vm, BOOTSTRAP);
    }

    private static String unitLog(AzureEmulator emulator, String vm, String unit) throws java.io.IOException {
        Path log = emulator.machines().stateDirectory(vm).resolve("units/" + unit + ".log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }
}
