package io.harbormaster.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.capacity.CapacitySettings;
import io.harbormaster.emulator.EmulatorSettings;
import io.harbormaster.emulator.cloud.ScaleSetChange;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.RunningTasksSampler;
import io.harbormaster.testsupport.TestService;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The rebalance end to end on the local cluster: two busy agents run an 8-replica start-first service, capacity is
 * raised from outside (as Azure's own autoscale or a person would) and two empty agents join; the capacity check's
 * rebalance moves tasks onto them one scale-up-then-down at a time. A sampler polling the service's running tasks every
 * 100 ms must never see fewer than 8, and the tasks that never moved must be the same containers as before.
 */
class RebalanceIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int REPLICAS = 8;

    private EmulatedCluster cluster;
    private TestService service;

    @AfterEach
    void cleanUp() throws Exception {
        EmulatedCluster.close(cluster, service);
    }

    private static void phase(Instant since, String what) {
        System.out.printf("RebalanceIT %6d ms: %s%n", Duration.between(since, Instant.now()).toMillis(), what);
    }

    @Test
    void twoEmptyAgentsJoiningTwoBusyOnesGetTheirShareWithNoMomentBelowDesired() throws Exception {
        Instant t0 = Instant.now();
        EmulatedCluster.forgetCapacityHistory();
        cluster = EmulatedCluster.start(Map.of(EmulatorSettings.CAPACITY, "2"), Map.of(
                CapacitySettings.MAX_AGENTS, "4",
                // No manager here forwards the swarm's events (cloud-init/master.yml's unit does): the timer stands in.
                CapacitySettings.SCHEDULE, "*/2 * * * * *",
                RebalanceSettings.MAX_MOVES, "2"));
        phase(t0, "host up");
        cluster.await("two ready agents", cluster::nodes,
                nodes -> nodes.size() == 2 && nodes.values().stream().allMatch("ready"::equals), Duration.ofSeconds(60));
        phase(t0, "two agents ready");
        service = TestService.create(cluster.manager(), cluster.prefix() + "-web", REPLICAS,
                "--update-order", "start-first", "--constraint", "node.role==worker");
        service.awaitRunning(REPLICAS, Duration.ofSeconds(30));
        phase(t0, "8 replicas run on the two agents");
        Map<String, Long> before = service.runningTasksPerNode();
        assertEquals(List.of(4L, 4L), List.copyOf(before.values()), "the two agents share the replicas: " + before);
        Set<String> originalTasks = service.runningTasks().stream().map(TestService.Task::id).collect(Collectors.toSet());

        RunningTasksSampler sampler = RunningTasksSampler.start(cluster.manager(), service.name(), REPLICAS);
        Instant added = Instant.now();
        Map<String, Long> after;
        try {
            // Capacity added from outside: the emulator's scale set grows by two, whose agents boot and join empty.
            String scaleSet = cluster.emulator().settings().scaleSetName();
            cluster.emulator().cloud().update(scaleSet, new ScaleSetChange(4L, null, null, null), null);
            cluster.await("four ready agents", cluster::nodes,
                    nodes -> nodes.size() == 4 && nodes.values().stream().allMatch("ready"::equals), Duration.ofSeconds(60));
            Instant ready = Instant.now();
            phase(t0, "four agents ready");
            after = cluster.await("an even spread over the four agents", service::runningTasksPerNode,
                    spread -> TestService.even(spread, 4, REPLICAS), Duration.ofSeconds(40));
            System.out.printf("rebalance: capacity raised -> 4 agents ready %d ms, ready -> even %d ms, %d samples%n",
                    Duration.between(added, ready).toMillis(), Duration.between(ready, Instant.now()).toMillis(), sampler.samples());
            // The last move's record is dropped in the same update that scales back: wait for the scale-back to settle.
            cluster.await("the service back at 8 replicas without our labels", () -> cluster.manager().run("service",
                    "inspect", "--format", "{{.Spec.Mode.Replicated.Replicas}} {{json .Spec.Labels}}", service.name()),
                    spec -> spec.startsWith(REPLICAS + " ") && !spec.contains(MoveIntent.REPLICAS_LABEL), Duration.ofSeconds(10));
        } finally {
            sampler.close();
            phase(t0, "spread even, sampler stopped");
        }
        assertTrue(sampler.fewest() >= REPLICAS, "a moment with " + sampler.fewest() + " running of " + REPLICAS);
        assertTrue(sampler.samples() > 20, "the sampler ran: " + sampler.samples());

        // Only moved tasks were restarted: each move replaces one task, and 4 of the original 8 still run.
        Set<String> stillRunning = new HashSet<>(service.runningTasks().stream().map(TestService.Task::id).toList());
        stillRunning.retainAll(originalTasks);
        JsonNode moves = JSON.readTree(cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/events?since=" + added))
                .GET()).body()).path("events");
        long started = 0;
        for (JsonNode event : moves) {
            // The suite's manager may hold other tests' leftover services, whose tasks are moved too: count ours.
            if (event.path("kind").asText().equals("rebalance-move") && event.path("subject").asText().equals(service.name())) {
                System.out.println("RebalanceIT event " + event.path("at").asText() + " " + event.path("details"));
                started += event.path("details").path("step").asText().equals("start") ? 1 : 0;
            }
        }
        assertEquals(REPLICAS - stillRunning.size(), started, "tasks restarted vs moves started; spread " + after);
        assertEquals(4, started, "4 moves take 4+4+0+0 to 2+2+2+2");
        JsonNode status = JSON.readTree(cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/status")).GET()).body());
        assertTrue(status.path("recentDecisions").toString().contains("rebalance " + service.name() + ": move a task"),
                status.path("recentDecisions").toString());
        assertNotNull(cluster.firstEvent("rebalance-move", added));
    }
}
