package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.audit.AuditTrail;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequest;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.metrics.ControlPlaneMetrics;
import io.harbormaster.scaleset.ScaleSetException;
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
        DrainRequests drains = new DrainRequests(swarm, drainStatuses, drainQueue, DRAIN_SETTINGS, Optional.of(scaleSet), clock, AuditTrail.NONE);
        return new CapacityCheck(swarm, scaleSet, drainStatuses, drains, state, policy, clock, AuditTrail.NONE, ControlPlaneMetrics.global());
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
        assertEquals(List.of(new InMemoryScaleSet.Call("beginSetCapacity", List.of(3L, etagRead))),
                scaleSet.calls().stream().filter(call -> call.method().contains("etCapacity")).toList());
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
        assertEquals(0, scaleSet.count("beginSetCapacity") + scaleSet.count("setCapacity"));
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
        assertEquals(0, scaleSet.count("beginSetCapacity"));
        assertEquals(0, scaleSet.count("beginDeleteInstances"));
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

    // --- two checks at once (issue 12, item 2) -------------------------------------------------------------------

    @Test
    void aScaleOutThatFailsIsNotOnRecordAsOne() {
        arrangeTwoPendingTasks();
        scaleSet.failNextCallTo("beginSetCapacity", new ScaleSetException("ARM answered 500", true, "InternalServerError", null));

        CapacityCheck.Outcome outcome = check(CapacityPolicy.DEFAULTS).run();

        assertEquals(List.of(), outcome.done());
        assertEquals(1, outcome.failed().size(), outcome.toString());
        CapacityHistory history = state.readHistory();
        assertNull(history.lastScaleOut(), "a scale-out that did not happen must not hold back scale-in");
        assertEquals(List.of(), history.operations());
        CapacityHistory.Decision last = history.recentDecisions().get(history.recentDecisions().size() - 1);
        assertEquals("scale out 1 -> 3 (failed)", last.action());
        assertTrue(last.reason().contains("ARM answered 500"), last.reason());
    }

    @Test
    void aScaleOutIsOnRecordBeforeItStartsAndIsNotAwaited() {
        arrangeTwoPendingTasks();
        scaleSet.holdOperations();
        CapacityHistory[] seenDuringTheCall = new CapacityHistory[1];
        scaleSet.duringNextCallTo("beginSetCapacity", () -> seenDuringTheCall[0] = state.readHistory());

        CapacityCheck.Outcome outcome = check(CapacityPolicy.DEFAULTS).run();

        assertEquals(List.of("scale out 1 -> 3"), outcome.done());
        CapacityHistory.Operation started = CapacityHistory.Operation.setCapacity(3, T0);
        assertEquals(List.of(started), seenDuringTheCall[0].operations(), "recorded before ARM was called");
        assertEquals(new CapacityHistory.ScaleOutRecord(T0, 1, 3), seenDuringTheCall[0].lastScaleOut());
        assertEquals(List.of(started), state.readHistory().operations());
        assertEquals("Updating", scaleSet.describe().provisioningState(), "the check returned while ARM still works");

        // The next pass looks at it: still under way, so it stays on record and nothing more is started.
        clock.advance(Duration.ofSeconds(30));
        CapacityCheck.Outcome second = check(CapacityPolicy.DEFAULTS).run();
        assertEquals(List.of(), second.done());
        assertEquals(List.of(started), state.readHistory().operations());
        assertEquals(1, scaleSet.count("beginSetCapacity"));

        // Done: forgotten without a word; our own scale-out is not taken for capacity raised from outside.
        scaleSet.completeOperations();
        clock.advance(Duration.ofSeconds(30));
        check(CapacityPolicy.DEFAULTS).run();
        CapacityHistory history = state.readHistory();
        assertEquals(List.of(), history.operations());
        assertTrue(history.recentDecisions().stream().noneMatch(d -> d.action().contains("did not finish")
                || d.action().contains("from outside")), history.recentDecisions().toString());
    }

    @Test
    void anOperationThatFailsAfterItWasAcceptedIsReportedOnTheNextPass() {
        arrangeTwoPendingTasks();
        scaleSet.holdOperations();
        check(CapacityPolicy.DEFAULTS).run();
        scaleSet.failOperations();
        clock.advance(Duration.ofSeconds(30));

        check(CapacityPolicy.DEFAULTS).run();

        CapacityHistory history = state.readHistory();
        // The failed one is forgotten; the tasks still wait, so the planner starts another.
        assertEquals(List.of(CapacityHistory.Operation.setCapacity(3, T0.plusSeconds(30))), history.operations());
        assertTrue(history.recentDecisions().stream().anyMatch(d -> d.action().equals("set capacity to 3 did not finish")
                && d.reason().contains("Failed")), history.recentDecisions().toString());
    }

    @Test
    void anInstanceBeingDeletedIsNotDeletedAgain() {
        swarm.addManager("manager-1");
        swarm.addWorker("agent-1");
        scaleSet.addInstance("agent-1");
        clock.advance(Duration.ofMinutes(20));
        scaleSet.addInstance("never-joined");
        clock.advance(CapacityPolicy.DEFAULTS.provisioningTimeout().plusMinutes(1));
        scaleSet.holdOperations();

        CapacityCheck.Outcome first = check(CapacityPolicy.DEFAULTS).run();
        clock.advance(Duration.ofSeconds(30));
        CapacityCheck.Outcome second = check(CapacityPolicy.DEFAULTS).run();

        assertEquals(List.of("delete instance 1 (never-joined)"), first.done(), first.toString());
        assertEquals(List.of(), second.done());
        assertEquals(1, second.withheld().size(), second.toString());
        assertEquals(1, scaleSet.count("beginDeleteInstances"));
        assertEquals(List.of(CapacityHistory.Operation.deleteInstance("1", T0.plus(Duration.ofMinutes(36)))),
                state.readHistory().operations());
    }

    @Test
    void aCheckThatOutlivedItsLeaseNeverOverwritesTheNewerHistory() {
        arrangeTwoPendingTasks();
        Instant later = T0.plus(InMemoryCapacityState.LEASE_DURATION).plusSeconds(1);
        CapacityCheck.Outcome[] newer = new CapacityCheck.Outcome[1];
        // The first check stalls in its snapshot past its lease; a second check takes the lease and finishes.
        scaleSet.duringNextCallTo("instances", () -> {
            clock.set(later);
            newer[0] = check(CapacityPolicy.DEFAULTS).run();
        });

        CapacityCheck.Outcome slow = check(CapacityPolicy.DEFAULTS).run();

        assertNull(newer[0].skipped());
        assertEquals(List.of("scale out 1 -> 3"), newer[0].done());
        assertNotNull(slow.skipped(), "the slow check went on without its lease");
        assertEquals(List.of(), slow.done());
        assertEquals(1, scaleSet.count("beginSetCapacity"), "only the check holding the lease acts");
        assertEquals(later, state.readHistory().checkedAt(), "the newer check's history stands");
    }

    // --- webhook checks (item 11) ---------------------------------------------------------------------------------

    @Test
    void anAnnouncedCapacityIsRecordedWhileAnotherCheckHoldsTheLease() {
        arrangeTwoPendingTasks();
        CapacityState.Lease otherCheck = state.tryAcquire().orElseThrow();

        CapacityCheck.Outcome outcome = check(CapacityPolicy.DEFAULTS).run(Optional.of(5L));

        assertNotNull(outcome.skipped());
        assertEquals(new CapacityHistory.Expectation(5, T0), state.readHistory().expectedCapacity());
        otherCheck.close();
    }

    @Test
    void anAnnouncementMadeDuringACheckSurvivesThatChecksWrite() {
        arrangeTwoPendingTasks();
        CapacityCheck.Outcome[] webhook = new CapacityCheck.Outcome[1];
        scaleSet.duringNextCallTo("instances", () -> webhook[0] = check(CapacityPolicy.DEFAULTS).run(Optional.of(4L)));

        CapacityCheck.Outcome running = check(CapacityPolicy.DEFAULTS).run();

        assertNotNull(webhook[0].skipped(), "the webhook's check found the lease held");
        assertNull(running.skipped());
        assertEquals(new CapacityHistory.Expectation(4, T0), state.readHistory().expectedCapacity(),
                "the running check's write dropped the announced capacity");
        assertTrue(state.refusedWrites() > 0, "the running check's first write was based on a stale read");
    }

    // --- capacity added from outside (item 9) -------------------------------------------------------------------

    /** Two idle agents, one under-utilised for an hour; the last check read the capacity {@code lastCapacity}. */
    private void arrangeIdleAgents(long lastCapacity) {
        swarm.addManager("manager-1");
        swarm.addWorker("agent-1");
        swarm.addWorker("agent-2");
        scaleSet.addInstance("agent-1");
        scaleSet.addInstance("agent-2");
        Instant hourAgo = T0.minus(Duration.ofHours(1));
        state.arrangeHistory(new CapacityHistory(T0.minusSeconds(30), Map.of("id-agent-1", hourAgo, "id-agent-2", hourAgo),
                Map.of(), Map.of(), null, null, new CapacityHistory.Reading(lastCapacity, (int) lastCapacity, T0.minusSeconds(30)),
                List.of()));
    }

    @Test
    void capacityRaisedFromOutsideCountsAsAScaleOutForTheScaleInDelay() {
        arrangeIdleAgents(1);

        CapacityCheck.Outcome outcome = check(CapacityPolicy.DEFAULTS).run();

        assertEquals(List.of(), outcome.plan().orElseThrow().actions(CapacityAction.RequestDrain.class));
        CapacityHistory history = state.readHistory();
        assertEquals(new CapacityHistory.ScaleOutRecord(T0, 1, 2), history.lastScaleOut());
        assertTrue(history.recentDecisions().stream().anyMatch(d -> d.action().equals("capacity raised from outside 1 -> 2")),
                history.recentDecisions().toString());

        // The delay counts from when the raise was seen, not from each later check.
        clock.advance(CapacityPolicy.DEFAULTS.scaleInDelayAfterScaleOut().plusSeconds(1));
        CapacityCheck.Outcome after = check(CapacityPolicy.DEFAULTS).run();
        assertEquals(1, after.plan().orElseThrow().actions(CapacityAction.RequestDrain.class).size(), after.toString());
    }

    @Test
    void withoutARaiseTheSameIdleAgentIsScaledIn() {
        arrangeIdleAgents(2);

        CapacityCheck.Outcome outcome = check(CapacityPolicy.DEFAULTS).run();

        assertEquals(1, outcome.plan().orElseThrow().actions(CapacityAction.RequestDrain.class).size(), outcome.toString());
        assertNull(state.readHistory().lastScaleOut());
    }

    // --- the status report ------------------------------------------------------------------------------------------

    @Test
    void everyStatusViewerWithinTwoSecondsSharesOneSnapshotWhileThePauseSwitchIsReadFresh() {
        arrangeTwoPendingTasks();
        CapacityCheck check = check(CapacityPolicy.DEFAULTS);
        long before = scaleSet.count("instances");
        ClusterReport first = check.report();
        for (int viewer = 0; viewer < 20; viewer++) {
            assertEquals(first.snapshot(), check.report().snapshot());
        }
        assertEquals(before + 1, scaleSet.count("instances"), "one ARM listing for 21 viewers");
        check.setPaused(true, "alice", null);
        assertTrue(check.report().pause().paused(), "the switch shows at once");

        clock.advance(CapacityCheck.STATUS_SNAPSHOT_MAX_AGE);
        swarm.addWorker("agent-2");
        ClusterReport later = check.report();
        assertEquals(before + 2, scaleSet.count("instances"));
        assertEquals(clock.instant(), later.snapshot().takenAt());
        assertTrue(later.snapshot().nodes().stream().anyMatch(node -> node.hostname().equals("agent-2")));
    }

    // --- the pause switch -------------------------------------------------------------------------------------------

    @Test
    void whilePausedNothingAutomaticHappensButAStalledDrainIsMovedOn() {
        arrangeTwoPendingTasks();
        Node draining = swarm.addWorker("agent-9");
        scaleSet.addInstance("agent-9");
        DrainRequest request = new DrainRequest("req-agent-9", "agent-9", "id-agent-9", DrainReason.MANUAL, false,
                T0.plusSeconds(600), T0.minusSeconds(900));
        drainStatuses.put(new DrainStatus(request, DrainState.DRAINING, false, 1, 0, false, false, null, null, null, null,
                2, null, T0.minusSeconds(600)));
        swarm.updateNode(draining, Node.Availability.DRAIN, Map.of(DrainProgress.REQUEST_LABEL, "req-agent-9"));
        CapacityCheck check = check(CapacityPolicy.DEFAULTS);

        CapacityPause pause = check.setPaused(true, "alice", "investigating a bad image");
        CapacityCheck.Outcome outcome = check.run();

        assertTrue(check.pause().paused());
        assertEquals(pause, check.pause());
        assertEquals(0, scaleSet.count("beginSetCapacity"));
        assertEquals(1, scaleSet.capacity() - 1, "two instances, as arranged");
        assertTrue(outcome.withheld().stream().anyMatch(line -> line.startsWith("scale out")), outcome.toString());
        assertEquals(List.of("resume drain req-agent-9 of agent-9"), outcome.done());
        assertEquals(1, drainQueue.sent().size(), "the drain under way was sent on");
        CapacityHistory history = state.readHistory();
        assertNull(history.lastScaleOut());
        assertTrue(history.recentDecisions().stream().anyMatch(d -> d.action().equals("pause automatic actions")
                && d.reason().contains("alice") && d.reason().contains("investigating a bad image")), history.toString());
        assertTrue(history.recentDecisions().stream().noneMatch(d -> d.action().startsWith("scale out")), history.toString());

        check.setPaused(false, "alice", null);
        CapacityCheck.Outcome resumed = check.run();
        assertEquals(1, scaleSet.count("beginSetCapacity"), resumed.toString());
        assertTrue(state.readHistory().recentDecisions().stream().anyMatch(d -> d.action().equals("resume automatic actions")));
    }

    @Test
    void aPauseDuringACheckStopsItsActionsAndIsKeptInItsHistory() {
        arrangeTwoPendingTasks();
        CapacityCheck check = check(CapacityPolicy.DEFAULTS);
        scaleSet.duringNextCallTo("instances", () -> check.setPaused(true, "bob", null));

        CapacityCheck.Outcome outcome = check.run();

        assertEquals(List.of(), outcome.done());
        assertEquals(0, scaleSet.count("beginSetCapacity"));
        CapacityHistory history = state.readHistory();
        assertTrue(history.recentDecisions().stream().anyMatch(d -> d.action().equals("pause automatic actions")),
                "the check's own write dropped the operator's decision: " + history.recentDecisions());
        assertNull(history.lastScaleOut());
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
        assertEquals(0, scaleSet.count("deleteInstances") + scaleSet.count("beginDeleteInstances"));

        // Another shutdown, and this time the VM does not come back: deleted once the grace has passed, not before.
        // The grace runs from the later of the drain's end and the first check that saw the instance without a node.
        shutdownDrainRemoves(swarm.node("id-agent-2-rebooted").orElseThrow());
        clock.advance(Duration.ofSeconds(30));
        check(noScaleIn).run();
        clock.advance(noScaleIn.rejoinGrace().minus(Duration.ofSeconds(1)));
        check(noScaleIn).run();
        assertEquals(0, scaleSet.count("deleteInstances") + scaleSet.count("beginDeleteInstances"));
        clock.advance(Duration.ofSeconds(1));
        CapacityCheck.Outcome outcome = check(noScaleIn).run();
        assertEquals(List.of("delete instance " + instance2.instanceId() + " (agent-2)"), outcome.done(),
                outcome.plan().orElseThrow().notes().toString());
        // Started, not awaited: the next check looks at how it went.
        assertEquals(List.of(new InMemoryScaleSet.Call("beginDeleteInstances", List.of(List.of(instance2.instanceId())))),
                scaleSet.calls().stream().filter(call -> call.method().endsWith("eleteInstances")).toList());
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
        assertEquals(0, scaleSet.count("deleteInstances") + scaleSet.count("beginDeleteInstances"));
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

    @Test
    void theStepAfterThePlanIsHeldWhileThePlanScalesAndItsDecisionsAndNextCheckAreKept() {
        arrangeTwoPendingTasks();
        List<String> holds = new java.util.ArrayList<>();
        AfterPlan step = (snapshot, hold, dryRun) -> {
            holds.add(hold);
            return new AfterPlan.Result(List.of(new CapacityHistory.Decision(T0, "rebalance web", "because", false)),
                    Optional.of(Duration.ofSeconds(1)));
        };
        DrainRequests drains = new DrainRequests(swarm, drainStatuses, drainQueue, DRAIN_SETTINGS, Optional.of(scaleSet), clock,
                AuditTrail.NONE);
        CapacityCheck check = new CapacityCheck(swarm, scaleSet, drainStatuses, drains, state, CapacityPolicy.DEFAULTS, clock,
                AuditTrail.NONE, ControlPlaneMetrics.global(), step);

        CapacityCheck.Outcome outcome = check.run();

        assertEquals(java.util.Arrays.asList("the capacity plan scales out"), holds);
        assertEquals(Optional.of(Duration.ofSeconds(1)), outcome.nextCheck());
        assertTrue(state.readHistory().recentDecisions().stream().anyMatch(d -> d.action().equals("rebalance web")));
    }

    @Test
    void inDeallocateModeAWarmInstanceIsStartedOnceAndTheCapacityRaisedOnlyForTheRest() {
        arrangeTwoPendingTasks();
        ScaleSetInstance warm = scaleSet.addInstance("agent-9");
        scaleSet.beginDeallocate(List.of(warm.instanceId()));
        scaleSet.holdOperations();
        CapacityPolicy policy = CapacityPolicy.DEFAULTS.withScaleIn(CapacityPolicy.ScaleInMode.DEALLOCATE, 3);

        CapacityCheck.Outcome outcome = check(policy).run();

        assertEquals(List.of("start warm instance " + warm.instanceId() + " (agent-9)", "scale out 2 -> 3"), outcome.done(),
                outcome.plan().orElseThrow().notes().toString());
        assertEquals(1, scaleSet.count("beginStart"));
        assertEquals(List.of(CapacityHistory.Operation.startInstance(warm.instanceId(), T0),
                CapacityHistory.Operation.setCapacity(3, T0)), state.readHistory().operations().stream()
                .sorted(java.util.Comparator.comparing(CapacityHistory.Operation::kind).reversed()).toList());

        // The same check again (a redelivered message): the start is under way, nothing more is started or asked for.
        clock.advance(Duration.ofSeconds(5));
        CapacityCheck.Outcome again = check(policy).run();
        assertEquals(List.of(), again.done(), again.plan().orElseThrow().notes().toString());
        assertEquals(1, scaleSet.count("beginStart"));
        assertEquals(1, scaleSet.count("beginSetCapacity"));
    }
}
