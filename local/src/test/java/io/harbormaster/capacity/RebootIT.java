package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobServiceClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.LocalServices;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An agent reboots on the local cluster: the emulator's restart shuts the machine down, which runs the agent's drain
 * on shutdown from cloud-init/agent.yml (the node drains, leaves and is removed), then boots it, and it rejoins under
 * a new node id. Meanwhile the capacity check runs every 2 s with a provisioning timeout the instance is long past;
 * it must see the instance without a node and keep it.
 */
class RebootIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PROVISIONING_TIMEOUT = Duration.ofMinutes(1);

    private EmulatedCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        var capacity = new BlobServiceClientBuilder().connectionString(LocalServices.storageConnectionString())
                .buildClient().getBlobContainerClient(BlobCapacityState.CONTAINER);
        if (capacity.exists()) {
            capacity.getBlobClient("history.json").deleteIfExists();
        }
        cluster = EmulatedCluster.start(Map.of(), Map.of(
                "HARBORMASTER_CAPACITY_SCHEDULE", "*/2 * * * * *",
                "HARBORMASTER_CAPACITY_MIN_AGENTS", "1",
                "HARBORMASTER_CAPACITY_MAX_AGENTS", "1",
                "HARBORMASTER_CAPACITY_PROVISIONING_TIMEOUT", "1m",
                "HARBORMASTER_CAPACITY_REJOIN_GRACE", "10m"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private String scaleSetName() {
        return cluster.emulator().settings().scaleSetName();
    }

    private List<InstanceSnapshot> instances() {
        return cluster.emulator().cloud().instances(scaleSetName());
    }

    private String nodeId(String hostname) {
        return cluster.manager().run("node", "ls", "--filter", "name=" + hostname, "--format", "{{.ID}} {{.Hostname}} {{.Status}}")
                .lines().filter(line -> line.split(" ")[1].equalsIgnoreCase(hostname) && line.endsWith("Ready"))
                .map(line -> line.split(" ")[0]).findFirst().orElse("");
    }

    private JsonNode drainOf(String hostname) {
        try {
            HttpResponse<String> response = cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/drain/" + hostname)).GET());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : JSON.createObjectNode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aRebootingAgentIsNotDeletedAndRejoins() throws Exception {
        cluster.await("one ready agent", cluster::nodes, n -> n.size() == 1 && n.containsValue("ready"), Duration.ofSeconds(120));
        InstanceSnapshot agent = instances().get(0);
        String hostname = agent.computerName();
        String firstNodeId = cluster.await("the agent's node id", () -> nodeId(hostname), id -> !id.isEmpty(), Duration.ofSeconds(10));
        // Past the provisioning timeout, with checks that have seen it with its node.
        Instant oldEnough = agent.timeCreated().plus(PROVISIONING_TIMEOUT).plusSeconds(5);
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), oldEnough).toMillis()));
        int mark = cluster.host().output().length();

        cluster.emulator().cloud().restart(scaleSetName(), List.of(agent.instanceId()));

        JsonNode drain = cluster.await("the drain on shutdown to remove the node", () -> drainOf(hostname),
                d -> "shutdown".equals(d.path("reason").asText()) && "removed".equals(d.path("state").asText()),
                Duration.ofSeconds(120));
        String secondNodeId = cluster.await("the agent to rejoin under a new node id", () -> nodeId(hostname),
                id -> !id.isEmpty() && !id.equals(firstNodeId), Duration.ofSeconds(180));
        // Two more checks with the node back.
        Thread.sleep(5_000);

        String output = cluster.host().output().substring(mark);
        assertEquals(List.of(agent.instanceId()), instances().stream().map(InstanceSnapshot::instanceId).toList(),
                "the rebooted instance is the scale set's only one: " + drain);
        assertFalse(output.contains("delete instance"), output.substring(Math.max(0, output.length() - 8000)));
        // The test means something only if a check saw the instance without its node and kept it.
        assertTrue(output.contains("instance " + agent.instanceId() + " (" + hostname + ") lost its swarm node"),
                "no check ran while " + hostname + " had no node (node " + firstNodeId + " -> " + secondNodeId + "):\n"
                        + output.substring(Math.max(0, output.length() - 8000)));
    }
}
