package io.harbormaster.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChaosMetricsTest {
    private static final long CPU = 1_000_000_000L;
    private static final Map<String, SwarmSample.Service> WEB = Map.of("web", new SwarmSample.Service(2, CPU / 2));

    private static SwarmSample.Node ready(String host) {
        return new SwarmSample.Node("id-" + host, host, true, true, true, 2 * CPU);
    }

    private static SwarmSample.Node down(String host) {
        return new SwarmSample.Node("id-" + host, host, false, true, true, 2 * CPU);
    }

    private static SwarmSample.Task task(String id, int slot, String host, String desired, String state) {
        return new SwarmSample.Task(id, "web", slot, host, desired, state);
    }

    private static SwarmSample.Instance instance(String host) {
        return new SwarmSample.Instance("vm_" + host, host, "running");
    }

    private static SwarmSample sample(long at, List<SwarmSample.Node> nodes, List<SwarmSample.Task> tasks,
            List<SwarmSample.Instance> instances) {
        return new SwarmSample(at, nodes, tasks, WEB, instances);
    }

    /** Slot 2 pending from 0 to {@code untilMs}, slot 1 running on a, every second; b Ready (room) or not. */
    private static List<SwarmSample> gap(long untilMs, boolean room) {
        List<SwarmSample> samples = new ArrayList<>();
        for (long at = 0; at <= untilMs; at += 1000) {
            samples.add(sample(at, List.of(ready("a"), room ? ready("b") : down("b")),
                    List.of(task("t1", 1, "a", "running", "running"), task("t2", 2, "", "running", "pending"),
                            // a task of a service that reserves nothing
                            new SwarmSample.Task("x", "other", 1, "a", "running", "running")),
                    List.of(instance("a"), instance("b"))));
        }
        return samples;
    }

    @Test
    void aSlotWithoutARunningTaskForMoreThanTheLimitWhileThereIsRoomIsLostOnce() {
        var samples = new ArrayList<>(gap(61_000, true));
        assertEquals(1, ChaosMetrics.tasksLost(samples, 60_000, Set.of()).size(), ChaosMetrics.tasksLost(samples, 60_000, Set.of()).toString());
        assertEquals(List.of(), ChaosMetrics.tasksLost(gap(60_000, true), 60_000, Set.of()), "exactly the limit is not lost");
    }

    @Test
    void withoutRoomAGapIsNotLost() {
        // Only a is Ready, and its 2 CPUs are reserved by slot 1 and the other service's task: no room for slot 2.
        List<SwarmSample> samples = new ArrayList<>();
        Map<String, SwarmSample.Service> full = Map.of("web", new SwarmSample.Service(2, CPU),
                "other", new SwarmSample.Service(1, CPU));
        for (long at = 0; at <= 120_000; at += 1000) {
            samples.add(new SwarmSample(at, List.of(ready("a"), down("b")),
                    List.of(task("t1", 1, "a", "running", "running"), task("t2", 2, "", "running", "pending"),
                            new SwarmSample.Task("x", "other", 1, "a", "running", "running")),
                    full, List.of(instance("a"))));
        }
        assertEquals(List.of(), ChaosMetrics.tasksLost(samples, 60_000, Set.of()));
        assertTrue(ChaosMetrics.longestBelowDesiredMs(samples, Set.of("web")) >= 120_000);
    }

    @Test
    void failedOrRejectedTasksCountExceptOnNodesTheScenarioDisturbed() {
        var samples = List.of(sample(0, List.of(ready("a")), List.of(task("old", 1, "a", "shutdown", "failed")), List.of()),
                sample(1000, List.of(ready("a"), ready("b")),
                List.of(task("old", 1, "a", "shutdown", "failed"), task("t1", 1, "a", "shutdown", "failed"), task("t2", 2, "b", "shutdown", "rejected"),
                        task("t3", 1, "a", "shutdown", "shutdown"), task("t4", 2, "b", "shutdown", "complete")),
                List.of()));
        assertEquals(2, ChaosMetrics.tasksLost(samples, 60_000, Set.of()).size());
        List<String> lost = ChaosMetrics.tasksLost(samples, 60_000, Set.of("a"));
        assertEquals(1, lost.size());
        assertTrue(lost.get(0).contains("t2"), lost.toString());
    }

    @Test
    void aDeletedInstanceIsWrongUnlessChosenAndItsNodeRanNoTasksWhenLastReady() {
        var before = sample(0, List.of(ready("a"), ready("b")),
                List.of(task("t1", 1, "a", "running", "running"), task("t2", 2, "b", "running", "running")),
                List.of(instance("a"), instance("b")));
        var drained = sample(1000, List.of(ready("a"), new SwarmSample.Node("id-b", "b", true, false, true, 2 * CPU)),
                List.of(task("t1", 1, "a", "running", "running"), task("t3", 2, "a", "running", "running"),
                        task("t2", 2, "b", "shutdown", "shutdown")),
                List.of(instance("a"), instance("b")));
        var gone = sample(2000, List.of(ready("a"), down("b")),
                List.of(task("t1", 1, "a", "running", "running"), task("t3", 2, "a", "running", "running")),
                List.of(instance("a")));

        assertEquals(List.of(), ChaosMetrics.wronglyDeleted(List.of(before, drained, gone), Set.of("b")));
        assertEquals(1, ChaosMetrics.wronglyDeleted(List.of(before, drained, gone), Set.of()).size(), "not chosen");
        List<String> undrained = ChaosMetrics.wronglyDeleted(List.of(before, gone), Set.of("b"));
        assertEquals(1, undrained.size());
        assertTrue(undrained.get(0).contains("web.2"), undrained.toString());
    }

    @Test
    void aDeletedInstanceWhoseDrainedTasksHadNowhereToGoIsWrong() {
        var before = sample(0, List.of(ready("a"), ready("b")),
                List.of(task("t1", 1, "a", "running", "running"), task("t2", 2, "b", "running", "running")),
                List.of(instance("a"), instance("b")));
        // b drained: swarm stopped t2, its replacement finds no room and stays pending; then b's machine goes.
        var stuck = sample(1000, List.of(ready("a"), new SwarmSample.Node("id-b", "b", true, false, true, 2 * CPU)),
                List.of(task("t1", 1, "a", "running", "running"), task("t2", 2, "b", "shutdown", "shutdown"),
                        task("t3", 2, "", "running", "pending")),
                List.of(instance("a"), instance("b")));
        var gone = sample(2000, List.of(ready("a"), down("b")),
                List.of(task("t1", 1, "a", "running", "running"), task("t3", 2, "", "running", "pending")),
                List.of(instance("a")));
        List<String> wrong = ChaosMetrics.wronglyDeleted(List.of(before, stuck, gone), Set.of("b"));
        assertEquals(1, wrong.size());
        assertTrue(wrong.get(0).contains("nowhere to go") && wrong.get(0).contains("web.2"), wrong.toString());
    }

    @Test
    void aReplacementThatRanBeforeTheInstanceLeftWasPlacedInTimeThoughPollingMissedIt() {
        // Chaos scenario (i), first run: the last sample with b Ready predates the replacement's start; the drain had
        // read "drained" (the replacement running) before the delete, and the next sample, without b, shows it running.
        var before = sample(0, List.of(ready("a"), ready("b")),
                List.of(task("t1", 1, "a", "running", "running"), task("t2", 2, "b", "running", "running")),
                List.of(instance("a"), instance("b")));
        var starting = sample(1000, List.of(ready("a"), new SwarmSample.Node("id-b", "b", true, false, true, 2 * CPU)),
                List.of(task("t1", 1, "a", "running", "running"), task("t2", 2, "b", "shutdown", "shutdown"),
                        task("t3", 2, "a", "running", "starting")),
                List.of(instance("a"), instance("b")));
        var gone = sample(2000, List.of(ready("a")),
                List.of(task("t1", 1, "a", "running", "running"), task("t3", 2, "a", "running", "running")),
                List.of(instance("a")));
        assertEquals(List.of(), ChaosMetrics.wronglyDeleted(List.of(before, starting, gone), Set.of("b")));
    }

    @Test
    void anInstanceAzureDeletedAtNotBeforeWithoutApprovalIsNotOurs() {
        var before = sample(0, List.of(ready("a"), ready("b")),
                List.of(task("t1", 1, "a", "running", "running"), task("t2", 2, "b", "running", "running")),
                List.of(instance("a"), instance("b")));
        var stuck = sample(1000, List.of(ready("a"), new SwarmSample.Node("id-b", "b", true, false, true, 2 * CPU)),
                List.of(task("t1", 1, "a", "running", "running"), task("t3", 2, "", "running", "pending")),
                List.of(instance("a"), instance("b")));
        var gone = sample(2000, List.of(ready("a"), down("b")),
                List.of(task("t1", 1, "a", "running", "running"), task("t3", 2, "", "running", "pending")),
                List.of(instance("a")));
        var samples = List.of(before, stuck, gone);
        assertEquals(1, ChaosMetrics.wronglyDeleted(samples, Set.of("b"), Set.of()).size(), "approved, it would be ours");
        assertEquals(List.of(), ChaosMetrics.wronglyDeleted(samples, Set.of("b"), Set.of("b")));
        assertEquals(1, ChaosMetrics.wronglyDeleted(samples, Set.of(), Set.of("b")).size(),
                "a VM nobody chose is wrongly deleted whoever deleted it");
    }

    @Test
    void aNodeRemovedWhileItsLastStateWasReadyWasRemovedLive() {
        var both = sample(0, List.of(ready("a"), ready("b")), List.of(), List.of());
        var onlyA = sample(2000, List.of(ready("a")), List.of(), List.of(instance("a"), instance("b")));
        var samples = List.of(both, onlyA);

        List<String> removed = ChaosMetrics.liveNodesRemoved(samples,
                List.of(new NodeEvent(1000, "id-b", "b", "remove", null)));
        assertEquals(1, removed.size());
        assertTrue(removed.get(0).startsWith("b "), removed.toString());
    }

    @Test
    void aNodeRemovedOnceItsInstanceWasDeletedWasNotLiveThoughSwarmStillSaidReady() {
        // The drain removes the node as soon as the delete is done, before swarm's heartbeat timeout marks it down.
        var both = sample(0, List.of(ready("a"), ready("b")), List.of(), List.of(instance("a"), instance("b")));
        var onlyA = sample(2000, List.of(ready("a")), List.of(), List.of(instance("a")));
        assertEquals(List.of(), ChaosMetrics.liveNodesRemoved(List.of(both, onlyA),
                List.of(new NodeEvent(1000, "id-b", "b", "remove", null))));
    }

    @Test
    void aDrainedNodeRemovedWhileItsMachineShutsDownLeftAtItsOwnRequest() {
        // A shutdown drain removes its node once drained, before the agent's own leave: Ready to swarm, but going.
        var drainedB = new SwarmSample.Node("id-b", "b", true, false, true, 2 * CPU);
        var stoppingB = new SwarmSample.Instance("vm_b", "b", "stopping");
        var samples = List.of(sample(0, List.of(ready("a"), drainedB), List.of(), List.of(instance("a"), stoppingB)),
                sample(2000, List.of(ready("a")), List.of(), List.of(instance("a"), stoppingB)));
        List<NodeEvent> events = List.of(new NodeEvent(1000, "id-b", "b", "remove", null));
        assertEquals(List.of(), ChaosMetrics.liveNodesRemoved(samples, events));

        // Still Active, or its machine running: live.
        var activeB = List.of(sample(0, List.of(ready("a"), ready("b")), List.of(), List.of(instance("a"), stoppingB)),
                sample(2000, List.of(ready("a")), List.of(), List.of(instance("a"), stoppingB)));
        assertEquals(1, ChaosMetrics.liveNodesRemoved(activeB, events).size());
        // Drained after the last sample, as the manager's events tell: the drain set it so before the removal.
        var activeUntilTheDrain = List.of(sample(0, List.of(ready("a"), ready("b")), List.of(), List.of(instance("a"), stoppingB)),
                sample(2000, List.of(ready("a")), List.of(), List.of(instance("a"), stoppingB)));
        assertEquals(List.of(), ChaosMetrics.liveNodesRemoved(activeUntilTheDrain, List.of(
                new NodeEvent(400, "id-b", "b", "update", null, "drain"), new NodeEvent(1000, "id-b", "b", "remove", null))));
        // The machine rebooted while the drain waited (stranded, then drained): the old node shows Ready a few
        // seconds after its agent left, and is removed while its machine runs again.
        var rebooted = List.of(sample(0, List.of(ready("a"), drainedB), List.of(), List.of(instance("a"),
                        new SwarmSample.Instance("vm_b", "b", "starting"))),
                sample(500, List.of(ready("a"), drainedB), List.of(), List.of(instance("a"), instance("b"))),
                sample(2000, List.of(ready("a")), List.of(), List.of(instance("a"), instance("b"))));
        assertEquals(List.of(), ChaosMetrics.liveNodesRemoved(rebooted, events));
        var runningB = List.of(sample(0, List.of(ready("a"), drainedB), List.of(), List.of(instance("a"), instance("b"))),
                sample(2000, List.of(ready("a")), List.of(), List.of(instance("a"), instance("b"))));
        assertEquals(1, ChaosMetrics.liveNodesRemoved(runningB, events).size());
    }

    @Test
    void aNodeThatWentDownMillisecondsBeforeItsRemovalWasNotLive() {
        // Polled, b is Ready at 0 and gone at 300: only the manager's events tell that it was down first.
        var samples = List.of(sample(0, List.of(ready("a"), ready("b")), List.of(), List.of()),
                sample(300, List.of(ready("a")), List.of(), List.of()));
        List<NodeEvent> events = List.of(new NodeEvent(100, "id-b", "b", "update", "down"),
                new NodeEvent(140, "id-b", "b", "remove", null));
        assertEquals(List.of(), ChaosMetrics.liveNodesRemoved(samples, events));
    }

    @Test
    void aSampleNewerThanTheLastStateEventDecides() {
        // b came back (a reboot), was seen Ready after its down event, then removed: live.
        var samples = List.of(sample(0, List.of(ready("a"), down("b")), List.of(), List.of()),
                sample(2000, List.of(ready("a"), ready("b")), List.of(), List.of()),
                sample(4000, List.of(ready("a")), List.of(), List.of(instance("a"), instance("b"))));
        List<NodeEvent> events = List.of(new NodeEvent(10, "id-b", "b", "update", "down"),
                new NodeEvent(3000, "id-b", "b", "remove", null));
        assertEquals(1, ChaosMetrics.liveNodesRemoved(samples, events).size());
        assertEquals(List.of(), ChaosMetrics.liveNodesRemoved(samples.subList(2, 3), events), "outside the samples' span");
    }

    @Test
    void longestBelowDesiredIsTheLongestStretchOfOneService() {
        List<SwarmSample> samples = new ArrayList<>();
        int[] running = {2, 1, 1, 2, 1, 1, 1, 2};
        for (int i = 0; i < running.length; i++) {
            List<SwarmSample.Task> tasks = new ArrayList<>();
            for (int slot = 1; slot <= 2; slot++) {
                tasks.add(task("t" + slot, slot, "a", "running", slot <= running[i] ? "running" : "pending"));
            }
            samples.add(sample(i * 500L, List.of(ready("a")), tasks, List.of(instance("a"))));
        }
        assertEquals(1500, ChaosMetrics.longestBelowDesiredMs(samples, Set.of("web")));
        assertEquals(0, ChaosMetrics.longestBelowDesiredMs(samples, Set.of("absent")));
    }

    @Test
    void convergedNeedsEachInstanceReadyAndActiveNoOtherNodeAndEveryReplicaRunning() {
        List<SwarmSample.Task> both = List.of(task("t1", 1, "a", "running", "running"), task("t2", 2, "b", "running", "running"));
        var good = sample(5000, List.of(ready("a"), ready("b")), both, List.of(instance("a"), instance("b")));
        assertTrue(ChaosMetrics.converged(2).test(good));
        assertFalse(ChaosMetrics.converged(3).test(good));
        assertFalse(ChaosMetrics.converged(2).test(sample(0, List.of(ready("a"), ready("b"), down("c")), both,
                List.of(instance("a"), instance("b")))), "a leftover down node");
        assertFalse(ChaosMetrics.converged(2).test(sample(0, List.of(ready("a"),
                new SwarmSample.Node("id-b", "b", true, false, true, 2 * CPU)), both, List.of(instance("a"), instance("b")))),
                "a drained node");
        assertFalse(ChaosMetrics.converged(2).test(sample(0, List.of(ready("a"), ready("b")),
                List.of(both.get(0)), List.of(instance("a"), instance("b")))), "a replica short");
        assertEquals(3000, ChaosMetrics.firstMs(List.of(sample(0, List.of(), List.of(), List.of()), good), 2000,
                ChaosMetrics.converged(2)));
    }
}
