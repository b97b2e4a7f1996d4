package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.TestService;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The warm pool end to end on the local cluster, with HARBORMASTER_CAPACITY_SCALE_IN_MODE=deallocate: an idle agent is
 * drained and its instance deallocated (its node gone, no task lost, the capacity unchanged); then pending tasks make
 * the check start that same instance instead of creating one, and it rejoins the swarm through agent.yml's boot path.
 */
class WarmPoolIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmulatedCluster cluster;
    private TestService service;

    @BeforeEach
    void startCluster() throws Exception {
        EmulatedCluster.forgetCapacityHistory();
        cluster = EmulatedCluster.start(Map.of(), Map.of(
                "HARBORMASTER_CAPACITY_SCHEDULE", "*/2 * * * * *",
                "HARBORMASTER_CAPACITY_MIN_AGENTS", "1",
                "HARBORMASTER_CAPACITY_MAX_AGENTS", "2",
                "HARBORMASTER_CAPACITY_MAX_SCALE_OUT_STEP", "1",
                "HARBORMASTER_CAPACITY_UNNEEDED_TIME", "1s",
                "HARBORMASTER_CAPACITY_SCALE_IN_DELAY_AFTER_SCALE_OUT", "1s",
                "HARBORMASTER_CAPACITY_SCALE_IN_MODE", "deallocate",
                "HARBORMASTER_CAPACITY_WARM_MAX", "1"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        EmulatedCluster.close(cluster, service);
    }

    private List<InstanceSnapshot> instances() {
        return cluster.emulator().cloud().instances(cluster.emulator().settings().scaleSetName());
    }

    private long capacity() {
        return cluster.emulator().cloud().scaleSet(cluster.emulator().settings().scaleSetName()).orElseThrow().capacity();
    }

    private static Set<String> ids(List<InstanceSnapshot> instances) {
        return instances.stream().map(InstanceSnapshot::instanceId).collect(Collectors.toCollection(TreeSet::new));
    }

    private JsonNode status() {
        return cluster.getJson("/api/status");
    }

    @Test
    void anIdleAgentIsDeallocatedAndTheNextScaleOutStartsItAgain() throws Exception {
        long t0 = System.nanoTime();
        Instant started = Instant.now();
        cluster.await("one ready agent", cluster::nodes, n -> n.size() == 1 && n.containsValue("ready"), Duration.ofSeconds(60));

        // One CPU each, one more than an agent (the machine's CPUs) holds: a second agent is needed.
        int replicas = Runtime.getRuntime().availableProcessors() + 1;
        service = TestService.create(cluster.manager(), cluster.prefix() + "-warm", replicas, "--reserve-cpu", "1",
                "--constraint", "node.role==worker");
        cluster.await("a second agent", cluster::nodes, n -> n.size() == 2 && !n.containsValue("down"), Duration.ofSeconds(60));
        service.awaitRunning(replicas, Duration.ofSeconds(60));
        Set<String> both = ids(instances());
        long scaledOut = System.nanoTime();
        assertEquals(2, both.size());

        List<String> orphaned = new ArrayList<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                // Tasks first: a node that joins after this read cannot be missing from the next one.
                List<TestService.Task> running = service.runningTasks();
                Map<String, String> state = cluster.nodes();
                for (TestService.Task task : running) {
                    if (!"ready".equals(state.get(task.nodeHostname()))) {
                        orphaned.add(task + " on " + state.get(task.nodeHostname()));
                    }
                }
                if (running.isEmpty()) {
                    orphaned.add("no replica running at " + Instant.now());
                }
            }
        }, "warm-task-watcher");
        watcher.start();
        String warmId;
        try {
            // Scale-in: with one replica left, the idle agent is drained, its instance deallocated and its node removed.
            cluster.manager().run("service", "scale", "--detach", service.name() + "=1");
            List<InstanceSnapshot> after = cluster.await("one instance deallocated", this::instances,
                    list -> list.stream().anyMatch(i -> i.powerState().equals("deallocated")), Duration.ofSeconds(60));
            cluster.await("one agent left", cluster::nodes, n -> n.size() == 1, Duration.ofSeconds(30));
            InstanceSnapshot warm = after.stream().filter(i -> i.powerState().equals("deallocated")).findFirst().orElseThrow();
            warmId = warm.instanceId();
            assertEquals(both, ids(instances()), "the instance is kept, with its id");
            assertEquals(2, capacity(), "a deallocated instance still counts in the capacity");
            JsonNode warmStatus = cluster.await("the status shows the warm instance", this::status,
                    s -> s.path("scaleSet").path("warmInstances").asInt() == 1, Duration.ofSeconds(10));
            assertTrue(warmStatus.path("instances").toString().contains("\"warm\":true"), warmStatus.toString());
            JsonNode drain = JSON.readTree(cluster.send(HttpRequest.newBuilder(
                    cluster.host().uri("/api/drain/" + warm.computerName())).GET()).body());
            assertEquals("removed", drain.path("state").asText(), drain.toString());
        } finally {
            watching.set(false);
            watcher.join();
        }
        assertEquals(List.of(), orphaned, "a replica ran on a node that was not ready, or none ran");
        service.awaitRunning(1, Duration.ofSeconds(10));
        long scaledIn = System.nanoTime();

        // Scale-out: the pending replicas make the check start the warm instance instead of creating one.
        cluster.manager().run("service", "scale", "--detach", service.name() + "=" + replicas);
        cluster.await("the warm instance running and rejoined", cluster::nodes,
                n -> n.size() == 2 && !n.containsValue("down"), Duration.ofSeconds(60));
        service.awaitRunning(replicas, Duration.ofSeconds(30));
        assertEquals(both, ids(instances()), "no instance was created: the warm one " + warmId + " was started");
        assertEquals(2, capacity(), "the capacity did not change");
        assertEquals("running", cluster.emulator().cloud().instance(cluster.emulator().settings().scaleSetName(), warmId)
                .powerState());
        JsonNode start = cluster.firstEvent("instance-power", started);
        assertNotNull(start, "no instance-power event");
        long end = System.nanoTime();
        System.out.printf("WarmPoolIT: first agents and scale-out %d ms, deallocating scale-in %d ms, warm start to all"
                + " running %d ms%n", (scaledOut - t0) / 1_000_000, (scaledIn - scaledOut) / 1_000_000, (end - scaledIn) / 1_000_000);
        cluster.host().output().lines().filter(line -> line.contains("deallocat") || line.contains("start warm"))
                .forEach(line -> System.out.println("WarmPoolIT host: " + line));
    }
}
