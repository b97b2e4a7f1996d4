package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.harbormaster.emulator.EmulatorSettings;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.TestService;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Zone balance over a scale-in, end to end: three idle agents in zones 1, 2, 1 (the emulator places them round robin,
 * as a zone-balanced scale set does). Zone 2's only agent is the idlest, so a scale-in by idleness alone would empty
 * zone 2; the check takes one of zone 1's agents instead, and the status shows one agent per zone.
 */
class ZoneBalanceIT {
    private EmulatedCluster cluster;
    private TestService service;

    @BeforeEach
    void startCluster() throws Exception {
        EmulatedCluster.forgetCapacityHistory();
        cluster = EmulatedCluster.start(Map.of(
                EmulatorSettings.CAPACITY, "3",
                EmulatorSettings.ZONES, "1,2"), Map.of(
                "HARBORMASTER_CAPACITY_SCHEDULE", "*/2 * * * * *",
                "HARBORMASTER_CAPACITY_MIN_AGENTS", "2",
                "HARBORMASTER_CAPACITY_MAX_AGENTS", "3",
                "HARBORMASTER_CAPACITY_MAX_SCALE_OUT_STEP", "1",
                "HARBORMASTER_CAPACITY_UNNEEDED_TIME", "1s"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        // The switch lives in the suite's shared storage account: never leave it set for the next test's cluster.
        if (cluster != null) {
            try {
                capacitySwitch("resume");
            } catch (Exception | AssertionError e) {
                System.out.println("ZoneBalanceIT: resuming the capacity check at clean-up: " + e);
            }
        }
        EmulatedCluster.close(cluster, service);
    }

    private List<InstanceSnapshot> instances() {
        return cluster.emulator().cloud().instances(cluster.emulator().settings().scaleSetName());
    }

    private void capacitySwitch(String action) throws Exception {
        var reply = cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/capacity/" + action))
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"ZoneBalanceIT\"}")));
        assertEquals(200, reply.statusCode(), reply.body());
    }

    @Test
    void aScaleInTakesAnAgentFromTheZoneWithTheMostAgentsNotTheIdlestOne() throws Exception {
        // Paused until the tasks run, so that no scale-in decides on three empty agents.
        capacitySwitch("pause");
        Map<String, String> nodes = cluster.await("three ready agents", cluster::nodes,
                n -> n.size() == 3 && n.values().stream().allMatch("ready"::equals), Duration.ofSeconds(90));
        Map<String, String> zoneOf = new TreeMap<>();
        for (InstanceSnapshot instance : instances()) {
            zoneOf.put(instance.computerName(), instance.zone());
        }
        List<String> hostnames = nodes.keySet().stream().sorted(Comparator.naturalOrder()).toList();
        assertEquals(List.of("1", "2", "1"), hostnames.stream().map(zoneOf::get).toList(), "round-robin zones " + zoneOf);
        String zoneTwo = hostnames.get(1);

        // A replica on each zone-1 agent, with a memory reservation too small to reach 1 %: all three stay equally idle
        // to the whole percent, but zone 2's agent is strictly the idlest.
        service = TestService.create(cluster.manager(), cluster.prefix() + "-zones", 2, "--reserve-memory", "8MB",
                "--constraint", "node.role==worker", "--constraint", "node.hostname!=" + zoneTwo);
        service.await("a replica on each zone-1 agent", tasks -> tasks.stream().filter(TestService.Task::running)
                .map(TestService.Task::nodeHostname).collect(Collectors.toSet()).size() == 2, Duration.ofSeconds(30));

        capacitySwitch("resume");
        cluster.await("one agent scaled in", cluster::nodes, n -> n.size() == 2, Duration.ofSeconds(60));
        List<InstanceSnapshot> left = cluster.await("two instances left", this::instances, list -> list.size() == 2,
                Duration.ofSeconds(30));
        Set<String> zones = left.stream().map(InstanceSnapshot::zone).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("1", "2"), zones, "zone 2 kept its agent: " + left);
        assertEquals(true, cluster.nodes().containsKey(zoneTwo), "zone 2's agent " + zoneTwo + " is still in the swarm");
        service.awaitRunning(2, Duration.ofSeconds(30));

        JsonNode perZone = cluster.await("the status shows one agent per zone", () -> cluster.getJson("/api/status"),
                s -> s.path("scaleSet").path("agentsPerZone").path("1").asInt() == 1
                        && s.path("scaleSet").path("agentsPerZone").path("2").asInt() == 1, Duration.ofSeconds(15));
        System.out.println("ZoneBalanceIT: agents per zone after the scale-in " + perZone.path("scaleSet").path("agentsPerZone"));
    }
}
