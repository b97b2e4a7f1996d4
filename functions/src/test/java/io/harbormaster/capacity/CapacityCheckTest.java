package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.DrainSettings;
import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequest;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.testsupport.InMemoryCapacityState;
import io.harbormaster.testsupport.InMemoryDrainQueue;
import io.harbormaster.testsupport.InMemoryDrainStatusStore;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CapacityCheckTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final long CPU = 1_000_000_000L;
    private static final long GIB = 1L << 30;
    private static final String NO_ROOM = "no suitable node (insufficient resources on 2 nodes)";
    private static final DrainSettings DRAIN_SETTINGS = new DrainSettings(
            Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofMinutes(15),
            Duration.ofDays(7));

    private final MutableClock clock = new MutableClock(T0);
    private final InMemorySwarm swarm = new InMemorySwarm(clock);
    private final InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);
    private final InMemoryDrainStatusStore drainStatuses = new InMemoryDrainStatusStore();
    private final InMemoryDrainQueue drainQueue = new InMemoryDrainQueue(clock);
    private final InMemoryCapacityState state = new InMemoryCapacityState(clock);

    private CapacityCheck check(CapacityPolicy policy) {
        DrainRequests drains = new DrainRequests(swarm, drainStatuses, drainQueue, DRAIN_SETTINGS, Optional.of(scaleSet), clock);
        return new CapacityCheck(swarm, scaleSet, drainStatuses, drains, state, policy, clock);
    }

    /** A manager, one busy agent, and two tasks of 1.5 CPU that fit nowhere: two more agents are needed. */
    private void arrangeTwoPendingTasks() {
        swarm.addManager("manager-1");
        swarm.addWorker("agent-1");
        scaleSet.addInstance("agent-1");
        Resources big = new Resources(1_800_000_000L, GIB);
        Resources web = new Resources(1_500_000_000L, GIB / 2);
        swarm.addService(new Service("busy", "busy", Service.Mode.REPLICATED, 1, big, List.of()));
        swarm.addService(new Service("web", "web", Service.Mode.REPLICATED, 2, web, List.of()));
        swarm.addTask("busy", "id-agent-1", "running", big, "");
        swarm.addTask("busy", "id-manager-1", "running", big, "");
        swarm.addTask("web", null, "pending", web, NO_ROOM);
        swarm.addTask("web", null, "pending", web, NO_ROOM);
    }

    @Test
    void pendingTasksScaleOutThroughTheScaleSetWithTheEtagThatWasRead() {
        arrangeTwoPendingTasks();
        String etagRead = scaleSet.describe().etag();

        CapacityCheck.Outcome outcome = check(CapacityPolicy.DEFAULTS).run();

        assertEquals(List.of("scale out 1 -> 3"), outcome.done(), outcome.plan().orElseThrow().notes().toString());
        assertEquals(List.of(), outcome.failed());
        assertEquals(List.of(new InMemoryScaleSet.Call("setCapacity", List.of(3L, etagRead))),
                scaleSet.calls().stream().filter(call -> call.method().equals("setCapacity")).toList());
        assertEquals(3, scaleSet.capacity());
        assertEquals(3, scaleSet.instances().size());
        assertEquals(new CapacityHistory.ScaleOutRecord(T0, 1, 3), state.readHistory().lastScaleOut());
        assertFalse(state.leased(), "the check releases its lease");
    }

    @Test
    void aCheckThatCannotTakeTheLeaseDoesNothing() {
        arrangeTwoPendingTasks();
        CapacityState.Lease otherCheck = state.tryAcquire().orElseThrow();

        CapacityCheck.Outcome outcome = check(CapacityPolicy.DEFAULTS).run();

        assertNotNull(outcome.skipped());
        assertTrue(outcome.plan().isEmpty());
        assertEquals(List.of(), scaleSet.calls(), "not even a read");
        assertEquals(0, state.historyWrites());

        // A check that died holding the lease blocks the next ones only until the lease expires.
        clock.advance(InMemoryCapacityState.LEASE_DURATION);
        assertNull(check(CapacityPolicy.DEFAULTS).run().skipped());
        otherCheck.close();
    }

    @Test
    void aDryRunReturnsThePlanAndDoesNothing() {
        arrangeTwoPendingTasks();

        CapacityCheck.Outcome outcome = check(CapacityPolicy.DEFAULTS.withDryRun(true)).run();

        CapacityPlan plan = outcome.plan().orElseThrow();
        assertTrue(plan.dryRun());
        assertEquals(List.of(3L), plan.actions(CapacityAction.ScaleOut.class).stream()
                .map(CapacityAction.ScaleOut::toCapacity).toList());
        assertEquals(List.of(), outcome.done());
        assertEquals(List.of(), outcome.failed());
        assertEquals(0, scaleSet.count("setCapacity"));
        assertEquals(1, scaleSet.capacity());
        assertEquals(List.of(), drainQueue.sent());
        // The decision is remembered for the status endpoint, marked as a dry run, and no scale-out is on record.
        CapacityHistory history = state.readHistory();
        assertNull(history.lastScaleOut());
        CapacityHistory.Decision decision = history.recentDecisions().get(history.recentDecisions().size() - 1);
        assertEquals("scale out 1 -> 3", decision.action());
        assertTrue(decision.dryRun());
    }

    @Test
    void aCheckWithNothingPendingLeavesTheScaleSetAlone() {
        swarm.addManager("manager-1");
        swarm.addWorker("agent-1");
        scaleSet.addInstance("agent-1");
        Resources some = new Resources(CPU, GIB);
        swarm.addService(new Service("web", "web", Service.Mode.REPLICATED, 1, some, List.of()));
        swarm.addTask("web", "id-agent-1", "running", some, "");

        CapacityCheck.Outcome outcome = check(CapacityPolicy.DEFAULTS).run();

        assertEquals(Optional.of(List.of()), outcome.plan().map(CapacityPlan::actions));
        assertEquals(0, scaleSet.count("setCapacity"));
        assertEquals(0, scaleSet.count("deleteInstances"));
        assertEquals(1, state.historyWrites());
    }

    private static DrainStatus finishedDrain(String hostname, DrainState state, Instant updatedAt) {
        DrainRequest request = new DrainRequest("req-" + hostname, hostname, "id-" + hostname, DrainReason.MANUAL, false,
                updatedAt.plusSeconds(600), updatedAt.minusSeconds(600));
        return new DrainStatus(request, state, true, 0, 0, false, false,
                state == DrainState.FAILED ? "gave up" : null, null, null, null, 3, null, updatedAt);
    }

    @Test
    void aCheckExpiresFinishedStatusesPastTheRetentionButNotOneANodeStillCarries() {
        swarm.addManager("manager-1");
        Node agent = swarm.addWorker("agent-1");
        scaleSet.addInstance("agent-1");
        Instant longAgo = T0.minus(DRAIN_SETTINGS.statusRetention()).minusSeconds(1);
        drainStatuses.put(finishedDrain("agent-0", DrainState.REMOVED, longAgo));
        drainStatuses.put(finishedDrain("agent-1", DrainState.FAILED, longAgo));
        // The failed drain's label is still on its node: the planner needs that status to know it failed.
        swarm.updateNode(agent, Node.Availability.ACTIVE, Map.of(DrainProgress.REQUEST_LABEL, "req-agent-1"));

        CapacityCheck.Outcome outcome = check(CapacityPolicy.DEFAULTS).run();

        assertNotNull(outcome.plan().orElse(null));
        assertTrue(drainStatuses.read("agent-0").isEmpty(), "past the retention and nothing refers to it");
        assertTrue(drainStatuses.read("agent-1").isPresent(), "its node still carries its label");
    }

    @Test
    void anUnreadableStatusDoesNotStopTheCheck() {
        arrangeTwoPendingTasks();
        drainStatuses.putRaw("agent-7", "{\"request\": truncated");

        CapacityCheck.Outcome outcome = check(CapacityPolicy.DEFAULTS).run();

        assertEquals(List.of("scale out 1 -> 3"), outcome.done());
        assertTrue(drainStatuses.contains("agent-7"), "left in place for an operator; never expired, as its age is unknown");
    }

    /** The agent's drain on shutdown ends as it does before a reboot: the node drained, left and removed. */
    private void shutdownDrainRemoves(Node node) {
        swarm.setNodeState(node.id(), Node.State.DOWN);
        swarm.removeNode(node.id());
        Instant now = clock.instant();
        DrainRequest request = new DrainRequest("req-shutdown-" + now.getEpochSecond(), node.hostname(), node.id(),
                DrainReason.SHUTDOWN, false, now.plus(Duration.ofMinutes(10)), now.minusSeconds(30));
        drainStatuses.put(new DrainStatus(request, DrainState.REMOVED, true, 0, 0, false, false, null, null,
                now.minusSeconds(10), null, 5, null, now));
    }

    @Test
    void aRebootingAgentKeepsItsInstanceAndOneThatNeverComesBackIsDeletedAfterTheRejoinGrace() {
        CapacityPolicy noScaleIn = CapacityPolicy.DEFAULTS.withSteps(3, 0);
        swarm.addManager("manager-1");
        swarm.addWorker("agent-1");
        scaleSet.addInstance("agent-1");
        Node agent2 = swarm.addWorker("agent-2");
        ScaleSetInstance instance2 = scaleSet.addInstance("agent-2");
        clock.advance(Duration.ofHours(2));
        check(noScaleIn).run();

        // A reboot: gone from the swarm for two minutes, four checks, then back under a new node id.
        shutdownDrainRemoves(agent2);
        for (int i = 0; i < 4; i++) {
            clock.advance(Duration.ofSeconds(30));
            CapacityCheck.Outcome outcome = check(noScaleIn).run();
            assertTrue(outcome.plan().orElseThrow().notes().stream().anyMatch(note -> note.contains("lost its swarm node")),
                    outcome.plan().orElseThrow().notes().toString());
        }
        swarm.addNode(new Node("id-agent-2-rebooted", 1, "agent-2", io.harbormaster.swarm.SwarmRole.WORKER,
                Node.Availability.ACTIVE, Node.State.READY, Map.of(), InMemorySwarm.AGENT, clock.instant()));
        clock.advance(Duration.ofSeconds(30));
        check(noScaleIn).run();
        assertEquals(0, scaleSet.count("deleteInstances"));

        // Another shutdown, and this time the VM does not come back: deleted once the grace has passed, not before.
        // The grace runs from the later of the drain's end and the first check that saw the instance without a node.
        shutdownDrainRemoves(swarm.node("id-agent-2-rebooted").orElseThrow());
        clock.advance(Duration.ofSeconds(30));
        check(noScaleIn).run();
        clock.advance(noScaleIn.rejoinGrace().minus(Duration.ofSeconds(1)));
        check(noScaleIn).run();
        assertEquals(0, scaleSet.count("deleteInstances"));
        clock.advance(Duration.ofSeconds(1));
        CapacityCheck.Outcome outcome = check(noScaleIn).run();
        assertEquals(List.of("delete instance " + instance2.instanceId() + " (agent-2)"), outcome.done(),
                outcome.plan().orElseThrow().notes().toString());
        assertEquals(List.of(new InMemoryScaleSet.Call("deleteInstances", List.of(List.of(instance2.instanceId())))),
                scaleSet.calls().stream().filter(call -> call.method().equals("deleteInstances")).toList());
    }

    @Test
    void anInstanceThatNeverJoinedIsDeletedAfterTheProvisioningTimeout() {
        swarm.addManager("manager-1");
        swarm.addWorker("agent-1");
        scaleSet.addInstance("agent-1");
        ScaleSetInstance stuck = scaleSet.addInstance("agent-2");
        CapacityPolicy noScaleIn = CapacityPolicy.DEFAULTS.withSteps(3, 0);
        check(noScaleIn).run();
        clock.advance(noScaleIn.provisioningTimeout().minusSeconds(1));
        check(noScaleIn).run();
        assertEquals(0, scaleSet.count("deleteInstances"));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(List.of("delete instance " + stuck.instanceId() + " (agent-2)"), check(noScaleIn).run().done());
    }

    @Test
    void aScaleInDrainRecordsTheInstanceTheCheckListedWithoutListingTheScaleSetAgain() {
        swarm.addManager("manager-1");
        swarm.addWorker("agent-1");
        scaleSet.addInstance("agent-1");
        swarm.addWorker("agent-2");
        ScaleSetInstance idle = scaleSet.addInstance("agent-2");
        Resources some = new Resources(CPU / 2, GIB);
        swarm.addService(new Service("web", "web", Service.Mode.REPLICATED, 1, some, List.of()));
        swarm.addTask("web", "id-agent-1", "running", some, "");
        swarm.addTask("web", "id-manager-1", "running", new Resources(CPU * 3 / 2, GIB), "");
        state.arrangeHistory(new CapacityHistory(T0.minusSeconds(30), Map.of("id-agent-2", T0.minus(Duration.ofHours(1))),
                Map.of(), Map.of(), null, null, null, List.of()));

        CapacityCheck.Outcome outcome = check(CapacityPolicy.DEFAULTS).run();

        assertEquals(List.of("drain agent-2 and delete its instance"), outcome.done(), outcome.plan().orElseThrow().notes().toString());
        DrainRequest recorded = drainStatuses.read("agent-2").orElseThrow().status().request();
        assertEquals(idle.instanceId(), recorded.instanceId());
        assertEquals(DrainReason.SCALE_IN, recorded.reason());
        assertTrue(recorded.deleteInstance());
        assertEquals(1, scaleSet.count("instances"), "the snapshot's listing only");
    }
}
