package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobServiceClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.emulator.nodes.MachineSpec;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.LocalServices;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An agent reboots from inside (an OS update, {@code sudo reboot}) on the local cluster: Azure sees the VM running
 * throughout. Its orderly shutdown runs the agent's drain on shutdown from cloud-init/agent.yml (the node drains,
 * leaves and is removed); the machine stays down for a while, as a real reboot takes a minute or two; then it boots
 * and rejoins under a new node id. Meanwhile the capacity check runs every second with a provisioning timeout the
 * instance is long past: it must see the instance without a node and keep it. The timeout is 25 s, not a real
 * cloud's minutes: the emulated VM joins within seconds, and what counts is only that the instance is past it.
 */
class RebootIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PROVISIONING_TIMEOUT = Duration.ofSeconds(25);
    /** What every capacity check prints once it is done. */
    private static final String CHECK_DONE = "capacity check: ";

    private EmulatedCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        var capacity = new BlobServiceClientBuilder().connectionString(LocalServices.storageConnectionString())
                .buildClient().getBlobContainerClient(BlobCapacityState.CONTAINER);
        if (capacity.exists()) {
            capacity.getBlobClient("history.json").deleteIfExists();
        }
        cluster = EmulatedCluster.start(Map.of(), Map.of(
                "HARBORMASTER_CAPACITY_SCHEDULE", "* * * * * *",
                "HARBORMASTER_CAPACITY_MIN_AGENTS", "1",
                "HARBORMASTER_CAPACITY_MAX_AGENTS", "1",
                "HARBORMASTER_CAPACITY_PROVISIONING_TIMEOUT", PROVISIONING_TIMEOUT.toSeconds() + "s",
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

    /** How often {@code part} occurs in the host's output after {@code mark}. */
    private int countSince(int mark, String part) {
        String output = cluster.host().output().substring(mark);
        int count = 0;
        for (int at = output.indexOf(part); at >= 0; at = output.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
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

        // The emulator's ARM restart boots again within a second, before swarm even marks the old node down; a guest
        // reboot is driven on the machine itself, with the pause a real one has.
        cluster.emulator().machines().shutdown(agent.name());

        JsonNode drain = cluster.await("the drain on shutdown to remove the node", () -> drainOf(hostname),
                d -> "shutdown".equals(d.path("reason").asText()) && "removed".equals(d.path("state").asText()),
                Duration.ofSeconds(120));
        // Five checks with the instance nodeless, running and past the provisioning timeout.
        String lost = "instance " + agent.instanceId() + " (" + hostname + ") lost its swarm node";
        cluster.await("five checks that see the instance without its node", () -> countSince(mark, lost), n -> n >= 5,
                Duration.ofSeconds(60));
        assertEquals(List.of(agent.instanceId()), instances().stream().map(InstanceSnapshot::instanceId).toList(),
                "kept while it reboots: " + drain);
        InstanceSnapshot rebooting = cluster.emulator().cloud().instance(scaleSetName(), agent.instanceId());
        assertEquals("running", rebooting.powerState());
        assertEquals("Succeeded", rebooting.provisioningState(), "no deletion under way");
        String sinceReboot = cluster.host().output().substring(mark);
        assertFalse(sinceReboot.contains("delete instance"), sinceReboot.substring(Math.max(0, sinceReboot.length() - 8000)));
        assertTrue(sinceReboot.contains(lost),
                "checks saw the instance without its node: " + sinceReboot.substring(Math.max(0, sinceReboot.length() - 8000)));

        // The disk is the one it had, so the custom data (decoded, as the scale set's VMs carry it) is not run again.
        String customData = new String(Base64.getDecoder().decode(cluster.emulator().customData()), StandardCharsets.UTF_8);
        cluster.emulator().machines().boot(new MachineSpec(agent.name(), hostname, customData));
        String secondNodeId = cluster.await("the agent to rejoin under a new node id", () -> nodeId(hostname),
                id -> !id.isEmpty() && !id.equals(firstNodeId), Duration.ofSeconds(120));
        // Two more checks with the node back (three ends: the first may have begun before it was).
        int rejoined = cluster.host().output().length();
        cluster.await("two checks with the node back", () -> countSince(rejoined, CHECK_DONE), n -> n >= 3,
                Duration.ofSeconds(60));

        String output = cluster.host().output().substring(mark);
        assertEquals(List.of(agent.instanceId()), instances().stream().map(InstanceSnapshot::instanceId).toList(),
                "the rebooted instance is the scale set's only one: " + drain);
        assertFalse(output.contains("delete instance"), "node " + firstNodeId + " -> " + secondNodeId + ":\n"
                + output.substring(Math.max(0, output.length() - 8000)));
    }
}
