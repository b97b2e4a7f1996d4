package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequest;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CapacityPlannerTest {
    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private static final long CPU = 1_000_000_000L;
    private static final long GIB = 1L << 30;
    private static final Resources AGENT = new Resources(2 * CPU, 8 * GIB);
    private static final String NO_ROOM = "no suitable node (insufficient resources on 3 nodes)";
    private static final CapacityPolicy POLICY = CapacityPolicy.DEFAULTS;

    /** A cluster under construction: agents are workers with a scale-set instance of the same name. */
    private static final class Cluster {
        final List<Node> nodes = new ArrayList<>();
        final List<Task> tasks = new ArrayList<>();
        final List<Service> services = new ArrayList<>();
        final List<ScaleSetInstance> instances = new ArrayList<>();
        final List<DrainStatus> drains = new ArrayList<>();
        Long capacity;
        int taskIds;

        Node agent(String name) {
            return agent(name, Node.Availability.ACTIVE, Node.State.READY, Map.of());
        }

        Node agent(String name, Node.Availability availability, Node.State state, Map<String, String> labels) {
            Node node = node(name, SwarmRole.WORKER, availability, state, labels);
            instance(name, NOW.minus(Duration.ofHours(2)), false);
            return node;
        }

        Node node(String name, SwarmRole role, Node.Availability availability, Node.State state, Map<String, String> labels) {
            Node node = new Node("id-" + name, 1, name, role, availability, state, labels, AGENT, NOW.minus(Duration.ofHours(1)));
            nodes.add(node);
            return node;
        }

        ScaleSetInstance instance(String name, Instant createdAt, boolean protectedFromScaleIn) {
            ScaleSetInstance instance = new ScaleSetInstance(String.valueOf(instances.size()), name,
                    ScaleSetInstance.PowerState.RUNNING, "Succeeded", createdAt, protectedFromScaleIn);
            instances.add(instance);
            return instance;
        }

        void run(String nodeName, String serviceId, double cpus, long memory) {
            tasks.add(new Task("t" + taskIds++, serviceId, "id-" + nodeName, "running", "running", "",
                    new Resources((long) (cpus * CPU), memory), NOW.minus(Duration.ofMinutes(30))));
        }

        void pending(int count, String serviceId, double cpus, long memory, String message) {
            for (int i = 0; i < count; i++) {
                tasks.add(new Task("t" + taskIds++, serviceId, null, "running", "pending", message,
                        new Resources((long) (cpus * CPU), memory), NOW.minus(Duration.ofMinutes(1))));
            }
        }

        DrainStatus drain(String hostname, String requestId, DrainReason reason, boolean finished, Instant updatedAt) {
            DrainRequest request = new DrainRequest(requestId, hostname, "id-" + hostname, reason, reason == DrainReason.SCALE_IN,
                    NOW.plus(Duration.ofMinutes(10)), updatedAt);
            DrainStatus status = new DrainStatus(request, finished ? DrainState.FAILED : DrainState.DRAINING, finished, 0, 0,
                    false, false, finished ? "gave up" : null, null, null, null, 3, null, updatedAt);
            drains.add(status);
            return status;
        }

        CapacitySnapshot snapshot() {
            long reported = capacity == null ? instances.size() : capacity;
            return new CapacitySnapshot(nodes, tasks, services,
                    new ScaleSetModel("/subscriptions/s/vmss", "agents", reported, "Standard_D2s_v5",
                            ScaleSetModel.OrchestrationMode.UNIFORM, "Succeeded", "etag-1"),
                    instances, drains, NOW);
        }
    }

    private static CapacityPlan plan(Cluster cluster) {
        return plan(cluster, POLICY, CapacityHistory.EMPTY);
    }

    private static CapacityPlan plan(Cluster cluster, CapacityPolicy policy, CapacityHistory history) {
        CapacityPlan plan = CapacityPlanner.plan(cluster.snapshot(), policy, history, NOW);
        for (CapacityAction action : plan.actions()) {
            assertFalse(action.reason().isBlank(), "every action says why: " + action);
        }
        return plan;
    }

    /** The given nodes have been under the threshold since {@code ago}. */
    private static CapacityHistory underUtilisedFor(Duration ago, String... hostnames) {
        Map<String, Instant> since = new HashMap<>();
        for (String hostname : hostnames) {
            since.put("id-" + hostname, NOW.minus(ago));
        }
        return new CapacityHistory(NOW.minus(Duration.ofSeconds(30)), since, Map.of(), Map.of(), null, null, null, List.of());
    }

    private static boolean notesMention(CapacityPlan plan, String text) {
        return plan.notes().stream().anyMatch(note -> note.contains(text));
    }

    private static Cluster busyAgents(int n) {
        Cluster cluster = new Cluster();
        for (int i = 1; i <= n; i++) {
            cluster.agent("agent-" + i);
            cluster.run("agent-" + i, "busy", 1.8, GIB);
        }
        return cluster;
    }

    // --- scale-out ---------------------------------------------------------------------------------------------

    @Test
    void fivePendingTasksOfOneAndAHalfCpuNeedFiveTwoCpuAgents() {
        Cluster cluster = busyAgents(1);
        cluster.pending(5, "web", 1.5, 512L << 20, NO_ROOM);
        CapacityPlan plan = plan(cluster, POLICY.withSteps(10, 1), CapacityHistory.EMPTY);
        CapacityAction.ScaleOut scaleOut = plan.actions(CapacityAction.ScaleOut.class).get(0);
        assertEquals(1, scaleOut.fromCapacity());
        assertEquals(6, scaleOut.toCapacity(), scaleOut.reason());
        assertTrue(scaleOut.reason().contains("5 new agents"), scaleOut.reason());
        assertTrue(scaleOut.reason().contains("5 tasks are pending"), scaleOut.reason());
    }

    @Test
    void fourPendingTasksOfOneCpuNeedTwoAgents() {
        Cluster cluster = busyAgents(1);
        cluster.pending(4, "web", 1, 512L << 20, NO_ROOM);
        CapacityPlan plan = plan(cluster);
        assertEquals(List.of(new CapacityAction.ScaleOut(1, 3, plan.actions().get(0).reason())), plan.actions());
    }

    @Test
    void memoryCountsAsMuchAsCpuInThePacking() {
        Cluster cluster = busyAgents(1);
        cluster.pending(3, "cache", 0.1, 5 * GIB, NO_ROOM);
        assertEquals(4, plan(cluster).actions(CapacityAction.ScaleOut.class).get(0).toCapacity());
    }

    @Test
    void mixedSizesPackFirstFitDecreasing() {
        Cluster cluster = busyAgents(1);
        // 1.5 + 0.5 fill one agent twice over; the two 1-CPU tasks share a third.
        cluster.pending(2, "big", 1.5, GIB, NO_ROOM);
        cluster.pending(2, "small", 0.5, GIB, NO_ROOM);
        cluster.pending(2, "mid", 1, GIB, NO_ROOM);
        assertEquals(4, plan(cluster, POLICY.withSteps(10, 1), CapacityHistory.EMPTY)
                .actions(CapacityAction.ScaleOut.class).get(0).toCapacity());
    }

    @Test
    void scaleOutIsClampedToTheMaximumStep() {
        Cluster cluster = busyAgents(1);
        cluster.pending(5, "web", 1.5, 512L << 20, NO_ROOM);
        CapacityAction.ScaleOut scaleOut = plan(cluster).actions(CapacityAction.ScaleOut.class).get(0);
        assertEquals(4, scaleOut.toCapacity());
        assertTrue(scaleOut.reason().contains("maximum scale-out step is 3"), scaleOut.reason());
    }

    @Test
    void scaleOutIsClampedToTheMaximumAndStopsThere() {
        Cluster cluster = busyAgents(2);
        cluster.pending(5, "web", 1.5, 512L << 20, NO_ROOM);
        CapacityAction.ScaleOut scaleOut = plan(cluster, POLICY.withAgents(1, 3), CapacityHistory.EMPTY)
                .actions(CapacityAction.ScaleOut.class).get(0);
        assertEquals(3, scaleOut.toCapacity());
        assertTrue(scaleOut.reason().contains("the maximum is 3 agents"), scaleOut.reason());

        Cluster full = busyAgents(3);
        full.pending(5, "web", 1.5, 512L << 20, NO_ROOM);
        CapacityPlan atMax = plan(full, POLICY.withAgents(1, 3), CapacityHistory.EMPTY);
        assertEquals(List.of(), atMax.actions());
        assertTrue(notesMention(atMax, "at its maximum of 3 agents"), atMax.notes().toString());
    }

    @Test
    void noScaleOutWhileInstancesOfTheLastOneAreStillJoining() {
        Cluster cluster = busyAgents(1);
        cluster.instance("agent-new", NOW.minus(Duration.ofMinutes(2)), false);
        cluster.pending(20, "web", 1.5, 512L << 20, NO_ROOM);
        CapacityHistory history = new CapacityHistory(null, Map.of(), Map.of(), Map.of(),
                new CapacityHistory.ScaleOutRecord(NOW.minus(Duration.ofMinutes(3)), 1, 2), null, null, List.of());
        CapacityPlan plan = plan(cluster, POLICY, history);
        assertEquals(List.of(), plan.actions(CapacityAction.ScaleOut.class));
        assertTrue(notesMention(plan, "1 instance is still provisioning or joining"), plan.notes().toString());
    }

    @Test
    void noScaleOutWhileAzureHasNotCreatedTheInstancesOfARecentScaleOut() {
        Cluster cluster = busyAgents(2);
        cluster.capacity = 4L;
        cluster.pending(20, "web", 1.5, 512L << 20, NO_ROOM);
        CapacityHistory history = new CapacityHistory(null, Map.of(), Map.of(), Map.of(),
                new CapacityHistory.ScaleOutRecord(NOW.minus(Duration.ofMinutes(1)), 2, 4), null, null, List.of());
        CapacityPlan plan = plan(cluster, POLICY, history);
        assertEquals(List.of(), plan.actions(CapacityAction.ScaleOut.class));
        assertTrue(notesMention(plan, "2 instances are still provisioning or joining"), plan.notes().toString());
        assertTrue(notesMention(plan, "2 pending tasks will fit on the 2 agents still provisioning or joining"), plan.notes().toString());
    }

    @Test
    void tasksUnplaceableForOtherReasonsDoNotScaleOut() {
        Cluster cluster = busyAgents(1);
        cluster.pending(2, "pinned", 0.5, GIB, "no suitable node (scheduling constraints not satisfied on 1 node)");
        cluster.pending(1, "broken", 0.5, GIB, "No such image: registry.example/missing:1");
        CapacityPlan plan = plan(cluster);
        assertEquals(List.of(), plan.actions());
        assertTrue(notesMention(plan, "2 pending tasks of service pinned: pending for a reason more agents do not change: "
                + "no suitable node (scheduling constraints not satisfied on 1 node)"), plan.notes().toString());
        assertTrue(notesMention(plan, "No such image"), plan.notes().toString());
    }

    @Test
    void tasksWhoseConstraintsExcludeANewAgentDoNotScaleOut() {
        Cluster cluster = busyAgents(1);
        cluster.services.add(new Service("gpu", "gpu", Service.Mode.REPLICATED, 2, Resources.NONE, List.of("node.labels.gpu==true")));
        cluster.services.add(new Service("workers", "workers", Service.Mode.REPLICATED, 2, Resources.NONE, List.of("node.role==worker")));
        cluster.pending(2, "gpu", 1, GIB, "no suitable node (scheduling constraints not satisfied on 1 node; insufficient resources on 1 node)");
        cluster.pending(2, "workers", 1, GIB, NO_ROOM);
        CapacityPlan plan = plan(cluster);
        assertEquals(2, plan.actions(CapacityAction.ScaleOut.class).get(0).toCapacity(), "only the two worker tasks count");
        assertTrue(notesMention(plan, "[node.labels.gpu==true] exclude a new agent"), plan.notes().toString());
    }

    @Test
    void aTaskLargerThanAnAgentIsReportedNotScaledFor() {
        Cluster cluster = busyAgents(1);
        cluster.pending(1, "huge", 3, GIB, NO_ROOM);
        CapacityPlan plan = plan(cluster);
        assertEquals(List.of(), plan.actions());
        assertTrue(notesMention(plan, "more than one agent offers (2 CPU / 8 GiB): it can never fit"), plan.notes().toString());
    }

    @Test
    void globalServicesTakeRoomOnEveryNewAgentAndTheirPendingTasksDoNotScale() {
        Cluster cluster = busyAgents(1);
        cluster.services.add(new Service("logs", "logs", Service.Mode.GLOBAL, 0, new Resources(CPU / 2, GIB), List.of()));
        cluster.run("agent-1", "logs", 0.5, GIB);
        // With 0.5 CPU of every agent taken by the log shipper, 1-CPU tasks go one per agent.
        cluster.pending(3, "web", 1, GIB, NO_ROOM);
        cluster.tasks.add(new Task("g", "logs", "id-agent-1", "running", "pending", "no suitable node (insufficient resources on 1 node)",
                new Resources(CPU / 2, GIB), NOW));
        CapacityPlan plan = plan(cluster);
        assertEquals(4, plan.actions(CapacityAction.ScaleOut.class).get(0).toCapacity());
        assertTrue(notesMention(plan, "logs: tied to its node (global service)"), plan.notes().toString());
    }

    @Test
    void theAgentSizeComesFromTheNewestAgentAndElseFromThePolicy() {
        Cluster bigger = new Cluster();
        bigger.nodes.add(new Node("id-agent-1", 1, "agent-1", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY,
                Map.of(), new Resources(4 * CPU, 16 * GIB), NOW.minus(Duration.ofHours(1))));
        bigger.instance("agent-1", NOW.minus(Duration.ofHours(1)), false);
        bigger.run("agent-1", "busy", 3.9, GIB);
        bigger.pending(4, "web", 1, GIB, NO_ROOM);
        CapacityAction.ScaleOut scaleOut = plan(bigger).actions(CapacityAction.ScaleOut.class).get(0);
        assertEquals(2, scaleOut.toCapacity(), "four 1-CPU tasks fit on one 4-CPU agent");
        assertTrue(scaleOut.reason().contains("as agent agent-1 reports it"), scaleOut.reason());

        Cluster empty = new Cluster();
        empty.node("manager-1", SwarmRole.MANAGER, Node.Availability.DRAIN, Node.State.READY, Map.of());
        empty.pending(4, "web", 1, GIB, NO_ROOM);
        CapacityAction.ScaleOut fromPolicy = plan(empty).actions(CapacityAction.ScaleOut.class).get(0);
        assertEquals(0, fromPolicy.fromCapacity());
        assertEquals(2, fromPolicy.toCapacity(), "the policy's 2-CPU agents take two each");
        assertTrue(fromPolicy.reason().contains("the policy's agent size"), fromPolicy.reason());
    }

    @Test
    void aScaleSetBelowTheMinimumIsRaisedToIt() {
        Cluster cluster = new Cluster();
        cluster.node("manager-1", SwarmRole.MANAGER, Node.Availability.ACTIVE, Node.State.READY, Map.of());
        CapacityPlan plan = plan(cluster, POLICY.withAgents(2, 10), CapacityHistory.EMPTY);
        CapacityAction.ScaleOut scaleOut = plan.actions(CapacityAction.ScaleOut.class).get(0);
        assertEquals(0, scaleOut.fromCapacity());
        assertEquals(2, scaleOut.toCapacity());
        assertTrue(scaleOut.reason().contains("below the minimum of 2"), scaleOut.reason());
    }

    // --- cancel before add ------------------------------------------------------------------------------------

    @Test
    void aNodeDrainingForScaleInIsReactivatedInsteadOfScalingOut() {
        Cluster cluster = busyAgents(2);
        Node draining = cluster.agent("agent-3", Node.Availability.DRAIN, Node.State.READY,
                Map.of(DrainProgress.REQUEST_LABEL, "req-9"));
        cluster.drain("agent-3", "req-9", DrainReason.SCALE_IN, false, NOW.minusSeconds(5));
        cluster.pending(1, "web", 1.5, GIB, NO_ROOM);
        CapacityPlan plan = plan(cluster);
        assertEquals(1, plan.actions().size(), plan.actions().toString());
        CapacityAction.ReactivateNode reactivate = plan.actions(CapacityAction.ReactivateNode.class).get(0);
        assertEquals(draining, reactivate.node());
        assertEquals("req-9", reactivate.drainRequestId());
        assertTrue(reactivate.reason().contains("draining for scale-in"), reactivate.reason());
        assertFalse(reactivate.destructive());
    }

    @Test
    void whatReactivationCannotHoldIsScaledOutFor() {
        Cluster cluster = busyAgents(1);
        cluster.agent("agent-2", Node.Availability.DRAIN, Node.State.READY, Map.of(DrainProgress.REQUEST_LABEL, "req-2"));
        cluster.drain("agent-2", "req-2", DrainReason.SCALE_IN, false, NOW.minusSeconds(5));
        cluster.pending(3, "web", 1.5, GIB, NO_ROOM);
        CapacityPlan plan = plan(cluster);
        assertEquals(1, plan.actions(CapacityAction.ReactivateNode.class).size());
        assertEquals(new CapacityAction.ScaleOut(2, 4, plan.actions(CapacityAction.ScaleOut.class).get(0).reason()),
                plan.actions(CapacityAction.ScaleOut.class).get(0));
    }

    @Test
    void aNodeDrainedForScaleInWhoseDeleteIsUnderWayIsNotReactivated() {
        Cluster cluster = busyAgents(1);
        cluster.agent("agent-2", Node.Availability.DRAIN, Node.State.READY, Map.of(DrainProgress.REQUEST_LABEL, "req-2"));
        DrainStatus draining = cluster.drain("agent-2", "req-2", DrainReason.SCALE_IN, false, NOW.minusSeconds(5));
        // The worker records "drained" just before it sends the delete (seen in the chaos run: a reactivated node lost
        // its new tasks when the delete it could not call back went through).
        cluster.drains.set(cluster.drains.indexOf(draining), new DrainStatus(draining.request(), DrainState.DRAINED, false,
                0, 0, false, false, null, null, null, null, 3, null, NOW.minusSeconds(1)));
        cluster.pending(1, "web", 1.5, GIB, NO_ROOM);
        CapacityPlan plan = plan(cluster);
        assertEquals(List.of(), plan.actions(CapacityAction.ReactivateNode.class));
        assertEquals(1, plan.actions(CapacityAction.ScaleOut.class).size());
        assertTrue(plan.notes().toString().contains("its instance is being deleted: not reactivated"), plan.notes().toString());
    }

    @Test
    void aNodeDrainingForAnotherReasonIsNotReactivated() {
        Cluster cluster = busyAgents(1);
        cluster.agent("agent-2", Node.Availability.DRAIN, Node.State.READY, Map.of(DrainProgress.REQUEST_LABEL, "req-2"));
        cluster.drain("agent-2", "req-2", DrainReason.TERMINATE_NOTIFICATION, false, NOW.minusSeconds(5));
        cluster.pending(1, "web", 1.5, GIB, NO_ROOM);
        CapacityPlan plan = plan(cluster);
        assertEquals(List.of(), plan.actions(CapacityAction.ReactivateNode.class));
        assertEquals(1, plan.actions(CapacityAction.ScaleOut.class).size());
    }

    // --- scale-in ---------------------------------------------------------------------------------------------

    private static Cluster oneIdleAmongBusy() {
        Cluster cluster = new Cluster();
        cluster.agent("agent-1");
        cluster.run("agent-1", "web", 0.5, GIB);
        cluster.agent("agent-2");
        cluster.run("agent-2", "web", 0.5, GIB);
        cluster.agent("agent-3");
        cluster.run("agent-3", "web", 0.2, GIB);
        return cluster;
    }

    @Test
    void theLeastBusyNodeUnderTheThresholdForTheUnneededTimeIsDrained() {
        CapacityPlan plan = plan(oneIdleAmongBusy(), POLICY,
                underUtilisedFor(Duration.ofMinutes(12), "agent-1", "agent-2", "agent-3"));
        List<CapacityAction.RequestDrain> drains = plan.actions(CapacityAction.RequestDrain.class);
        assertEquals(1, drains.size(), plan.toString());
        assertEquals("agent-3", drains.get(0).hostname());
        assertEquals("id-agent-3", drains.get(0).nodeId());
        assertEquals("2", drains.get(0).instanceId(), "the instance this check's listing names agent-3");
        assertTrue(drains.get(0).deleteInstance());
        assertEquals(DrainReason.SCALE_IN, drains.get(0).drainReason());
        assertTrue(drains.get(0).reason().contains("under 50 % utilisation for 12m"), drains.get(0).reason());
        assertTrue(notesMention(plan, "2 more nodes are eligible for scale-in; not now: at most 1 at a time"), plan.notes().toString());
    }

    @Test
    void aNodeWhoseNameTwoInstancesShareIsNotScaledIn() {
        Cluster cluster = oneIdleAmongBusy();
        cluster.instance("AGENT-3", NOW.minus(Duration.ofHours(1)), false);
        CapacityPlan plan = plan(cluster, POLICY, underUtilisedFor(Duration.ofMinutes(12), "agent-3"));
        assertEquals(List.of(), plan.actions(CapacityAction.RequestDrain.class), plan.notes().toString());
        assertTrue(notesMention(plan, "node agent-3 is under-utilised but more than one instance is named agent-3"),
                plan.notes().toString());
    }

    @Test
    void aNodeUnderTheThresholdForLessThanTheUnneededTimeIsOnlyNoted() {
        CapacityPlan plan = plan(oneIdleAmongBusy(), POLICY, underUtilisedFor(Duration.ofMinutes(3), "agent-3"));
        assertEquals(List.of(), plan.actions());
        assertTrue(notesMention(plan, "node agent-3 under-utilised (13 %) for 3m of 10m"), plan.notes().toString());
        assertEquals(NOW.plus(Duration.ofMinutes(7)), plan.nextDeadline());
        assertEquals(NOW.minus(Duration.ofMinutes(3)), plan.history().underUtilisedSince().get("id-agent-3"));
        assertEquals(NOW, plan.history().underUtilisedSince().get("id-agent-1"), "first seen under the threshold now");
    }

    /** A finished scale-in drain of agent-3 that timed out and gave the node back at {@code at}. */
    private static void givenBack(Cluster cluster, Instant at) {
        DrainRequest request = new DrainRequest("req-back", "agent-3", "id-agent-3", DrainReason.SCALE_IN, true,
                at, at.minus(Duration.ofMinutes(10)));
        cluster.drains.add(new DrainStatus(request, DrainState.REACTIVATED, true, 1, 0, true, false, null, null, null, null,
                3, null, at));
    }

    @Test
    void aNodeGivenBackByATimedOutDrainIsNotPickedAgainWithinTheUnneededTime() {
        // The history still counts agent-3 as idle for long, as when no check saw it draining: the give-back decides.
        Cluster cluster = oneIdleAmongBusy();
        givenBack(cluster, NOW.minus(Duration.ofMinutes(2)));
        CapacityPlan plan = plan(cluster, POLICY, underUtilisedFor(Duration.ofMinutes(30), "agent-3"));
        assertEquals(List.of(), plan.actions(CapacityAction.RequestDrain.class), plan.toString());
        assertTrue(notesMention(plan, "node agent-3 is under-utilised but its last drain timed out with tasks still on it"
                + " and gave it back at " + NOW.minus(Duration.ofMinutes(2)) + "; not scaled in again before "
                + NOW.plus(Duration.ofMinutes(8))), plan.notes().toString());
        assertEquals(NOW.plus(Duration.ofMinutes(8)), plan.nextDeadline());
        assertEquals(List.of(), plan.actions(CapacityAction.ReactivateNode.class), "it is active already");

        Cluster later = oneIdleAmongBusy();
        givenBack(later, NOW.minus(Duration.ofMinutes(10)));
        List<CapacityAction.RequestDrain> drains = plan(later, POLICY, underUtilisedFor(Duration.ofMinutes(30), "agent-3"))
                .actions(CapacityAction.RequestDrain.class);
        assertEquals(List.of("agent-3"), drains.stream().map(CapacityAction.RequestDrain::hostname).toList());
    }

    @Test
    void aNodeBackAboveTheThresholdStartsOver() {
        Cluster cluster = oneIdleAmongBusy();
        cluster.run("agent-3", "web", 1.5, GIB);
        CapacityPlan plan = plan(cluster, POLICY, underUtilisedFor(Duration.ofMinutes(30), "agent-3"));
        assertEquals(List.of(), plan.actions(CapacityAction.RequestDrain.class));
        assertFalse(plan.history().underUtilisedSince().containsKey("id-agent-3"));
    }

    @Test
    void aNodeWhoseTasksDoNotFitElsewhereStays() {
        Cluster cluster = new Cluster();
        cluster.agent("agent-1");
        cluster.run("agent-1", "web", 1.6, GIB);
        cluster.agent("agent-2");
        cluster.run("agent-2", "web", 0.9, GIB);
        // agent-2 is at 45 %, but agent-1 has 0.4 CPU free: its 0.9-CPU task has nowhere to go.
        CapacityPlan plan = plan(cluster, POLICY.withAgents(0, 10), underUtilisedFor(Duration.ofMinutes(20), "agent-2"));
        assertEquals(List.of(), plan.actions());
        assertTrue(notesMention(plan, "node agent-2 is under-utilised (45 %) but its tasks do not fit on the remaining nodes: "
                + "1 task of service web at 0.9 CPU / 1 GiB find no room"), plan.notes().toString());
    }

    @Test
    void aLeavingNodesTasksGoToNodesThatStayRatherThanToTheNextCandidate() {
        Cluster cluster = new Cluster();
        cluster.agent("busy");
        cluster.run("busy", "web", 1.0, GIB);
        cluster.agent("idle-a");
        cluster.run("idle-a", "web", 0.2, GIB);
        cluster.agent("idle-b");
        cluster.run("idle-b", "web", 0.3, GIB);
        // idle-a and idle-b have the most room; were idle-a's task simulated onto idle-b, idle-b would have to stay.
        CapacityPlan plan = plan(cluster, POLICY.withSteps(3, 2), underUtilisedFor(Duration.ofMinutes(20), "idle-a", "idle-b"));
        assertEquals(List.of("idle-a", "idle-b"),
                plan.actions(CapacityAction.RequestDrain.class).stream().map(CapacityAction.RequestDrain::hostname).toList());
    }

    @Test
    void theSecondCandidateMustFitWithoutTheRoomTheFirstTookUp() {
        Cluster cluster = new Cluster();
        cluster.agent("busy");
        cluster.run("busy", "web", 1.2, GIB);
        cluster.agent("idle-a");
        cluster.run("idle-a", "web", 0.5, GIB);
        cluster.agent("idle-b");
        cluster.run("idle-b", "web", 0.6, GIB);
        // busy has 0.8 CPU free: idle-a's 0.5 fits there, idle-b's 0.6 then fits nowhere but on idle-a, which leaves.
        CapacityPlan plan = plan(cluster, POLICY.withSteps(3, 2), underUtilisedFor(Duration.ofMinutes(20), "idle-a", "idle-b"));
        assertEquals(List.of("idle-a"),
                plan.actions(CapacityAction.RequestDrain.class).stream().map(CapacityAction.RequestDrain::hostname).toList());
        assertTrue(notesMention(plan, "node idle-b is under-utilised (30 %) but its tasks do not fit"), plan.notes().toString());
    }

    @Test
    void pendingTasksAreReportedByReasonWithTheirServices() {
        Cluster cluster = busyAgents(1);
        String constraints = "no suitable node (scheduling constraints not satisfied on 1 node)";
        cluster.pending(3, "a", 0.5, GIB, constraints);
        cluster.pending(2, "b", 0.5, GIB, constraints);
        cluster.pending(1, "c", 0.5, GIB, constraints);
        cluster.pending(1, "d", 0.5, GIB, constraints);
        CapacityPlan plan = plan(cluster);
        assertTrue(notesMention(plan, "7 pending tasks of 4 services (a ×3, b ×2, c ×1, …): pending for a reason more agents do not change: "
                + constraints), plan.notes().toString());
    }

    @Test
    void theSimulationHonoursPlacementConstraints() {
        Cluster cluster = oneIdleAmongBusy();
        cluster.services.add(new Service("web", "web", Service.Mode.REPLICATED, 3, Resources.NONE, List.of()));
        cluster.services.add(new Service("pinned", "pinned", Service.Mode.REPLICATED, 1, Resources.NONE,
                List.of("node.hostname==agent-3")));
        cluster.run("agent-3", "pinned", 0.1, GIB);
        CapacityPlan plan = plan(cluster, POLICY, underUtilisedFor(Duration.ofMinutes(20), "agent-3"));
        assertEquals(List.of(), plan.actions());
        assertTrue(notesMention(plan, "of service pinned"), plan.notes().toString());
    }

    @Test
    void globalTasksLeaveWithTheirNodeAndNeedNoRoomElsewhere() {
        Cluster cluster = new Cluster();
        cluster.services.add(new Service("logs", "logs", Service.Mode.GLOBAL, 0, new Resources(CPU / 4, GIB), List.of()));
        for (String name : List.of("agent-1", "agent-2")) {
            cluster.agent(name);
            cluster.run(name, "logs", 0.25, GIB);
        }
        cluster.run("agent-1", "web", 1.6, GIB);
        // agent-1 has 0.15 CPU free: agent-2's log shipper would not fit, but it does not have to move.
        CapacityPlan plan = plan(cluster, POLICY, underUtilisedFor(Duration.ofMinutes(20), "agent-2"));
        assertEquals("agent-2", plan.actions(CapacityAction.RequestDrain.class).get(0).hostname(), plan.toString());
    }

    @Test
    void neverAManagerAProtectedOrAnOptedOutNode() {
        Cluster cluster = new Cluster();
        cluster.node("manager-1", SwarmRole.MANAGER, Node.Availability.ACTIVE, Node.State.READY, Map.of());
        cluster.agent("agent-1", Node.Availability.ACTIVE, Node.State.READY, Map.of("io.harbormaster.scale-in", "disabled"));
        cluster.agent("agent-2");
        cluster.instances.set(1, new ScaleSetInstance("1", "agent-2", ScaleSetInstance.PowerState.RUNNING, "Succeeded",
                NOW.minus(Duration.ofHours(2)), true));
        cluster.agent("agent-3");
        cluster.agent("agent-4");
        cluster.run("agent-3", "web", 1.8, GIB);
        cluster.run("agent-4", "web", 1.8, GIB);
        CapacityPlan plan = plan(cluster, POLICY.withAgents(0, 10).withSteps(3, 5),
                underUtilisedFor(Duration.ofHours(1), "manager-1", "agent-1", "agent-2"));
        assertEquals(List.of(), plan.actions(), plan.toString());
        assertTrue(notesMention(plan, "node agent-1 is under-utilised but opted out of scale-in (label io.harbormaster.scale-in=disabled)"),
                plan.notes().toString());
        assertTrue(notesMention(plan, "node agent-2 is under-utilised but its instance 1 is protected from scale-in"), plan.notes().toString());
        assertFalse(plan.history().underUtilisedSince().containsKey("id-manager-1"), "managers are not even tracked");
    }

    @Test
    void neverBelowTheMinimum() {
        Cluster cluster = new Cluster();
        cluster.agent("agent-1");
        cluster.agent("agent-2");
        CapacityHistory history = underUtilisedFor(Duration.ofHours(1), "agent-1", "agent-2");
        CapacityPlan atMinimum = plan(cluster, POLICY.withAgents(2, 10).withSteps(3, 5), history);
        assertEquals(List.of(), atMinimum.actions());
        assertTrue(notesMention(atMinimum, "2 agents are ready and the minimum is 2"), atMinimum.notes().toString());

        CapacityPlan aboveMinimum = plan(cluster, POLICY.withAgents(1, 10).withSteps(3, 5), history);
        assertEquals(1, aboveMinimum.actions(CapacityAction.RequestDrain.class).size(), "one may go, not both");
    }

    @Test
    void atMostTheMaximumStepAtATimeCountingScaleInsUnderWay() {
        Cluster cluster = new Cluster();
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            cluster.agent("agent-" + i);
            names.add("agent-" + i);
        }
        CapacityHistory history = underUtilisedFor(Duration.ofHours(1), names.toArray(String[]::new));
        CapacityPolicy twoAtATime = POLICY.withSteps(3, 2);
        assertEquals(2, plan(cluster, twoAtATime, history).actions(CapacityAction.RequestDrain.class).size());

        cluster.agent("agent-7", Node.Availability.DRAIN, Node.State.READY, Map.of(DrainProgress.REQUEST_LABEL, "req-7"));
        cluster.drain("agent-7", "req-7", DrainReason.SCALE_IN, false, NOW.minusSeconds(5));
        List<CapacityAction.RequestDrain> drains = plan(cluster, twoAtATime, history).actions(CapacityAction.RequestDrain.class);
        assertEquals(1, drains.size(), "one scale-in is already under way");

        cluster.drain("agent-8", "req-8", DrainReason.SCALE_IN, false, NOW.minusSeconds(5));
        CapacityPlan full = plan(cluster, twoAtATime, history);
        assertEquals(List.of(), full.actions(CapacityAction.RequestDrain.class));
        assertTrue(notesMention(full, "2 scale-ins are under way (at most 2 at a time)"), full.notes().toString());
    }

    @Test
    void noScaleInWithinTheDelayAfterAScaleOut() {
        CapacityHistory recent = new CapacityHistory(null,
                Map.of("id-agent-3", NOW.minus(Duration.ofHours(1))), Map.of(), Map.of(),
                new CapacityHistory.ScaleOutRecord(NOW.minus(Duration.ofMinutes(4)), 2, 3), null, null, List.of());
        CapacityPlan plan = plan(oneIdleAmongBusy(), POLICY, recent);
        assertEquals(List.of(), plan.actions());
        assertTrue(notesMention(plan, "no scale-in until " + NOW.plus(Duration.ofMinutes(6))), plan.notes().toString());

        CapacityHistory older = new CapacityHistory(null,
                Map.of("id-agent-3", NOW.minus(Duration.ofHours(1))), Map.of(), Map.of(),
                new CapacityHistory.ScaleOutRecord(NOW.minus(Duration.ofMinutes(11)), 2, 3), null, null, List.of());
        assertEquals(1, plan(oneIdleAmongBusy(), POLICY, older).actions(CapacityAction.RequestDrain.class).size());
    }

    @Test
    void noScaleInWhileTasksArePendingForResources() {
        Cluster cluster = oneIdleAmongBusy();
        cluster.pending(1, "web", 1.9, GIB, NO_ROOM);
        CapacityPlan plan = plan(cluster, POLICY, underUtilisedFor(Duration.ofHours(1), "agent-3"));
        assertEquals(List.of(), plan.actions(CapacityAction.RequestDrain.class));
        assertTrue(notesMention(plan, "scale-in waits"), plan.notes().toString());
    }

    @Test
    void aThousandIdleNodesMakeAShortListOfNotes() {
        Cluster cluster = new Cluster();
        for (int i = 0; i < 1000; i++) {
            cluster.agent(String.format("agent-%04d", i));
        }
        CapacityPlan plan = plan(cluster);
        long perNode = plan.notes().stream().filter(note -> note.contains("under-utilised (0 %) for 0s of 10m")).count();
        assertEquals(Notes.PER_TOPIC, perNode);
        assertTrue(notesMention(plan, "… and 990 more under-utilised nodes"), plan.notes().toString());
    }

    // --- clean-up ---------------------------------------------------------------------------------------------

    @Test
    void aNodeDownPastTheGraceWithoutAnInstanceIsRemoved() {
        Cluster cluster = busyAgents(2);
        cluster.node("agent-gone", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.DOWN, Map.of());
        cluster.node("agent-fresh-down", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.DOWN, Map.of());
        cluster.agent("agent-rebooting", Node.Availability.ACTIVE, Node.State.DOWN, Map.of());
        cluster.node("manager-2", SwarmRole.MANAGER, Node.Availability.ACTIVE, Node.State.DOWN, Map.of());
        CapacityHistory history = new CapacityHistory(null, Map.of(), Map.of(
                "id-agent-gone", NOW.minus(Duration.ofMinutes(11)),
                "id-agent-fresh-down", NOW.minus(Duration.ofMinutes(2)),
                "id-agent-rebooting", NOW.minus(Duration.ofHours(1)),
                "id-manager-2", NOW.minus(Duration.ofHours(1))), Map.of(), null, null, null, List.of());
        CapacityPlan plan = plan(cluster, POLICY, history);
        assertEquals(List.of(new CapacityAction.RemoveDownNode("id-agent-gone", "agent-gone",
                plan.actions().get(0).reason())), plan.actions());
        assertTrue(plan.actions().get(0).reason().contains("down for 11m (grace 10m)"), plan.actions().get(0).reason());
        assertTrue(notesMention(plan, "node agent-fresh-down down for 2m of 10m"), plan.notes().toString());
        assertTrue(notesMention(plan, "node agent-rebooting is down for 1h but its instance"), plan.notes().toString());
        assertTrue(notesMention(plan, "manager manager-2 is down"), plan.notes().toString());
        assertEquals(NOW.minus(Duration.ofMinutes(2)), plan.history().downSince().get("id-agent-fresh-down"));
    }

    @Test
    void theDownNamesakeOfARecreatedVmIsRemovedAndTheLiveOneKept() {
        Cluster cluster = busyAgents(2);
        cluster.nodes.add(new Node("id-old-agent-1", 1, "AGENT-1", SwarmRole.WORKER, Node.Availability.ACTIVE,
                Node.State.DOWN, Map.of(), AGENT, NOW.minus(Duration.ofDays(3))));
        CapacityHistory history = new CapacityHistory(null, Map.of(), Map.of("id-old-agent-1", NOW.minus(Duration.ofHours(1))),
                Map.of(), null, null, null, List.of());
        CapacityPlan plan = plan(cluster, POLICY, history);
        assertEquals(List.of("id-old-agent-1"),
                plan.actions(CapacityAction.RemoveDownNode.class).stream().map(CapacityAction.RemoveDownNode::nodeId).toList());
    }

    @Test
    void anInstanceThatNeverJoinedWithinTheProvisioningTimeoutIsDeleted() {
        Cluster cluster = busyAgents(2);
        cluster.instance("agent-stuck", NOW.minus(Duration.ofMinutes(16)), false);
        cluster.instance("agent-joining", NOW.minus(Duration.ofMinutes(5)), false);
        cluster.instance("agent-kept", NOW.minus(Duration.ofHours(1)), true);
        CapacityPlan plan = plan(cluster);
        assertEquals(List.of(new CapacityAction.DeleteInstance("2", "agent-stuck", plan.actions().get(0).reason())), plan.actions());
        assertTrue(plan.actions().get(0).reason().contains("never joined the swarm (provisioning timeout 15m"), plan.actions().get(0).reason());
        assertTrue(notesMention(plan, "agent-kept) never joined the swarm but is protected"), plan.notes().toString());
        assertEquals(NOW.plus(Duration.ofMinutes(10)), plan.nextDeadline());
    }

    @Test
    void anInstanceWithoutACreationTimeIsTimedFromWhenItWasFirstSeenWithoutANode() {
        Cluster cluster = busyAgents(2);
        cluster.instance("agent-x", null, false);
        CapacityPlan first = plan(cluster);
        assertEquals(List.of(), first.actions());
        assertEquals(NOW, first.history().unjoinedSince().get("2"));
        CapacityHistory later = new CapacityHistory(null, Map.of(), Map.of(), Map.of("2", NOW.minus(Duration.ofMinutes(20))),
                null, null, null, List.of());
        assertEquals(1, plan(cluster, POLICY, later).actions(CapacityAction.DeleteInstance.class).size());
    }

    /** agent-2 rebooted: its drain on shutdown removed its node at {@code removedAt}, and it has not rejoined yet. */
    private static Cluster rebooting(Instant removedAt) {
        Cluster cluster = busyAgents(2);
        cluster.nodes.removeIf(node -> node.hostname().equals("agent-2"));
        cluster.tasks.removeIf(task -> "id-agent-2".equals(task.nodeId()));
        DrainRequest request = new DrainRequest("req-reboot", "agent-2", "id-agent-2", DrainReason.SHUTDOWN, false,
                removedAt.plus(Duration.ofMinutes(10)), removedAt.minusSeconds(40));
        cluster.drains.add(new DrainStatus(request, DrainState.REMOVED, true, 0, 0, false, false, null, null,
                removedAt.minusSeconds(20), null, 5, null, removedAt));
        return cluster;
    }

    @Test
    void aRebootingAgentIsNotDeletedWithinTheRejoinGrace() {
        // A check saw both agents with their nodes; the instances are two hours old, far past the provisioning timeout.
        Instant seen = NOW.minus(Duration.ofMinutes(1));
        CapacityHistory before = CapacityPlanner.plan(busyAgents(2).snapshot(), POLICY, CapacityHistory.EMPTY, seen).history();
        assertEquals(Map.of("0", seen, "1", seen), before.joinedInstances());

        Instant removedAt = NOW.minusSeconds(30);
        CapacityPlan during = plan(rebooting(removedAt), POLICY, before);
        assertEquals(List.of(), during.actions(CapacityAction.DeleteInstance.class), during.notes().toString());
        assertTrue(notesMention(during, "instance 1 (agent-2) lost its swarm node"), during.notes().toString());
        assertEquals(Map.of("0", NOW, "1", seen), during.history().joinedInstances(), "remembered while it has no node");
        assertEquals(NOW.plus(POLICY.rejoinGrace()), during.nextDeadline(), "from the first check without its node");

        // Still rebooting one minute short of the grace, counted from the first check that saw it without a node.
        Instant later = NOW.plus(POLICY.rejoinGrace()).minus(Duration.ofMinutes(1));
        CapacityPlan stillWaiting = CapacityPlanner.plan(rebooting(removedAt).snapshot(), POLICY, during.history(), later);
        assertEquals(List.of(), stillWaiting.actions(CapacityAction.DeleteInstance.class), stillWaiting.notes().toString());

        // Back: the instance has a node again, and the next loss starts a new grace.
        CapacityPlan back = CapacityPlanner.plan(busyAgents(2).snapshot(), POLICY, stillWaiting.history(), later);
        assertEquals(later, back.history().joinedInstances().get("1"));
        assertFalse(back.history().unjoinedSince().containsKey("1"));
    }

    @Test
    void anAgentThatLostItsNodeAndDidNotRejoinWithinTheGraceIsDeleted() {
        Instant seen = NOW.minus(Duration.ofMinutes(20));
        CapacityHistory before = CapacityPlanner.plan(busyAgents(2).snapshot(), POLICY, CapacityHistory.EMPTY, seen).history();
        CapacityPlan first = CapacityPlanner.plan(rebooting(NOW.minus(Duration.ofMinutes(19))).snapshot(), POLICY, before,
                NOW.minus(Duration.ofMinutes(19)));
        assertEquals(List.of(), first.actions());

        CapacityPlan plan = plan(rebooting(NOW.minus(Duration.ofMinutes(19))), POLICY, first.history());
        List<CapacityAction.DeleteInstance> deleted = plan.actions(CapacityAction.DeleteInstance.class);
        assertEquals(List.of("1"), deleted.stream().map(CapacityAction.DeleteInstance::instanceId).toList(), plan.notes().toString());
        assertTrue(deleted.get(0).reason().contains("lost its swarm node 19m ago (drain req-reboot (shutdown) removed it at")
                && deleted.get(0).reason().contains("did not rejoin within the rejoin grace of 15m"), deleted.get(0).reason());
    }

    @Test
    void aShutdownDrainProtectsItsInstanceWhenNoCheckRemembersItsNode() {
        // The history is new (first check after a deploy, or the blob was lost): the drain shows the instance joined.
        CapacityPlan plan = plan(rebooting(NOW.minus(Duration.ofMinutes(2))));
        assertEquals(List.of(), plan.actions(CapacityAction.DeleteInstance.class), plan.notes().toString());
        assertTrue(notesMention(plan, "drain req-reboot (shutdown) removed it at"), plan.notes().toString());
    }

    @Test
    void neverJoinedMeansNeverWhateverTheOtherInstancesDid() {
        Instant seen = NOW.minus(Duration.ofMinutes(1));
        CapacityHistory before = CapacityPlanner.plan(busyAgents(2).snapshot(), POLICY, CapacityHistory.EMPTY, seen).history();
        Cluster cluster = busyAgents(2);
        cluster.instance("agent-stuck", NOW.minus(Duration.ofMinutes(16)), false);
        CapacityPlan plan = plan(cluster, POLICY, before);
        assertEquals(List.of("2"), plan.actions(CapacityAction.DeleteInstance.class).stream()
                .map(CapacityAction.DeleteInstance::instanceId).toList());
        assertFalse(plan.history().joinedInstances().containsKey("2"));
    }

    @Test
    void instancesNoLongerListedAreForgottenUnlessTheListIsInDoubt() {
        CapacityHistory before = new CapacityHistory(null, Map.of(), Map.of(), Map.of(), null, null, null, List.of(),
                Map.of("0", NOW.minusSeconds(30), "1", NOW.minusSeconds(30), "41", NOW.minus(Duration.ofHours(1))));
        assertEquals(Map.of("0", NOW, "1", NOW), plan(busyAgents(2), POLICY, before).history().joinedInstances());

        Cluster emptyList = busyAgents(2);
        emptyList.instances.clear();
        CapacityPlan doubtful = plan(emptyList, POLICY, before);
        assertTrue(doubtful.guardTripped());
        assertEquals(before.joinedInstances(), doubtful.history().joinedInstances());
    }

    @Test
    void aDrainLeftHalfDoneIsResumed() {
        Cluster cluster = busyAgents(3);
        cluster.agent("agent-lost", Node.Availability.DRAIN, Node.State.READY, Map.of(DrainProgress.REQUEST_LABEL, "req-lost"));
        cluster.agent("agent-stalled", Node.Availability.DRAIN, Node.State.READY, Map.of(DrainProgress.REQUEST_LABEL, "req-stalled"));
        cluster.drain("agent-stalled", "req-stalled", DrainReason.MANUAL, false, NOW.minus(Duration.ofMinutes(6)));
        cluster.agent("agent-moving", Node.Availability.DRAIN, Node.State.READY, Map.of(DrainProgress.REQUEST_LABEL, "req-moving"));
        cluster.drain("agent-moving", "req-moving", DrainReason.MANUAL, false, NOW.minusSeconds(3));
        cluster.agent("agent-failed", Node.Availability.DRAIN, Node.State.READY, Map.of(DrainProgress.REQUEST_LABEL, "req-failed"));
        cluster.drain("agent-failed", "req-failed", DrainReason.SCALE_IN, true, NOW.minus(Duration.ofHours(1)));
        cluster.agent("agent-back", Node.Availability.ACTIVE, Node.State.READY, Map.of(DrainProgress.REQUEST_LABEL, "req-old"));
        cluster.run("agent-back", "web", 1.8, GIB);
        CapacityPlan plan = plan(cluster);
        List<CapacityAction.ResumeDrain> resumed = plan.actions(CapacityAction.ResumeDrain.class);
        assertEquals(List.of("req-lost", "req-stalled"), resumed.stream().map(CapacityAction.ResumeDrain::requestId).toList());
        assertTrue(resumed.get(0).reason().contains("no drain status of that request exists"), resumed.get(0).reason());
        assertTrue(resumed.get(1).reason().contains("no progress since"), resumed.get(1).reason());
        assertTrue(notesMention(plan, "drain req-failed of agent-failed failed (gave up)"), plan.notes().toString());
        assertTrue(notesMention(plan, "node agent-back carries the label of drain req-old but is active"), plan.notes().toString());
    }

    // --- the guard -------------------------------------------------------------------------------------------

    private static Cluster withDestructiveWork() {
        Cluster cluster = busyAgents(4);
        cluster.agent("agent-idle");
        cluster.node("agent-gone", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.DOWN, Map.of());
        cluster.instance("agent-stuck", NOW.minus(Duration.ofHours(1)), false);
        return cluster;
    }

    private static CapacityHistory withDestructiveHistory(CapacityHistory.Reading reading) {
        return new CapacityHistory(null, Map.of("id-agent-idle", NOW.minus(Duration.ofHours(1))),
                Map.of("id-agent-gone", NOW.minus(Duration.ofHours(1))), Map.of(), null, null, reading, List.of());
    }

    @Test
    void withoutTheGuardTheFixtureWouldActDestructively() {
        CapacityPlan plan = plan(withDestructiveWork(), POLICY, withDestructiveHistory(null));
        assertFalse(plan.guardTripped(), plan.notes().toString());
        assertEquals(3, plan.actions().size(), plan.actions().toString());
    }

    @Test
    void anEmptyInstanceListTripsTheGuard() {
        Cluster cluster = withDestructiveWork();
        cluster.instances.clear();
        cluster.capacity = 6L;
        CapacityPlan plan = plan(cluster, POLICY, withDestructiveHistory(new CapacityHistory.Reading(6, 6, NOW.minusSeconds(30))));
        assertTrue(plan.guardTripped());
        assertEquals(List.of(), plan.actions());
        assertTrue(plan.notes().get(0).startsWith("guard tripped: the scale set lists no instances while 5 worker nodes are ready"),
                plan.notes().get(0));
        assertTrue(notesMention(plan, "the instance count dropped from 6 to 0"), plan.notes().toString());
        assertTrue(notesMention(plan, "withheld by the guard: remove down node agent-gone"), plan.notes().toString());
        assertEquals("guard tripped", plan.history().recentDecisions().get(0).action());
    }

    @Test
    void aSuddenCapacityDropTripsTheGuardUnlessItWasAnnounced() {
        Cluster cluster = withDestructiveWork();
        cluster.capacity = 2L;
        CapacityHistory.Reading before = new CapacityHistory.Reading(6, 6, NOW.minusSeconds(30));
        CapacityPlan plan = plan(cluster, POLICY, withDestructiveHistory(before));
        assertTrue(plan.guardTripped());
        assertEquals(List.of(), plan.actions().stream().filter(CapacityAction::destructive).toList());
        assertTrue(plan.notes().get(0).contains("the capacity dropped from 6 to 2"), plan.notes().get(0));
        assertTrue(plan.notes().get(0).contains("reports capacity 2 but lists 6 instances"), plan.notes().get(0));
    }

    @Test
    void aZeroCapacityTripsTheGuardAndBlocksTheScaleOutItWouldCompute() {
        Cluster cluster = busyAgents(3);
        cluster.capacity = 0L;
        cluster.pending(2, "web", 1.5, GIB, NO_ROOM);
        CapacityPlan plan = plan(cluster);
        assertTrue(plan.guardTripped());
        assertEquals(List.of(), plan.actions());
        assertTrue(notesMention(plan, "withheld by the guard: scale out 0 -> 2"), plan.notes().toString());
    }

    @Test
    void aDropOfInstancesWhoseNodesAreGoneIsExplainedByAnAnnouncement() {
        Cluster cluster = busyAgents(3);
        for (int i = 4; i <= 8; i++) {
            cluster.node("agent-" + i, SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.DOWN, Map.of());
        }
        CapacityHistory.Reading before = new CapacityHistory.Reading(8, 8, NOW.minusSeconds(30));
        CapacityHistory history = new CapacityHistory(null, Map.of(), Map.of(), Map.of(), null, null, before, List.of());
        assertTrue(plan(cluster, POLICY, history).guardTripped(), "8 -> 3 unannounced");
        CapacityPlan announced = plan(cluster, POLICY, history.withExpectedCapacity(3, NOW.minus(Duration.ofMinutes(2))));
        assertFalse(announced.guardTripped(), announced.notes().toString());
    }

    @Test
    void anEmptyNodeListTripsTheGuardInsteadOfDeletingEveryInstance() {
        Cluster cluster = new Cluster();
        for (int i = 1; i <= 5; i++) {
            cluster.instance("agent-" + i, NOW.minus(Duration.ofHours(3)), false);
        }
        CapacityPlan plan = plan(cluster);
        assertTrue(plan.guardTripped());
        assertEquals(List.of(), plan.actions());
        assertTrue(plan.notes().get(0).contains("5 of 5 instances have had no swarm node"), plan.notes().get(0));
    }

    // --- dry run, explanations, purity ---------------------------------------------------------------------

    @Test
    void aDryRunCarriesTheSameActionsAndRemembersNoScaleOut() {
        Cluster cluster = busyAgents(1);
        cluster.pending(2, "web", 1.5, GIB, NO_ROOM);
        CapacityPlan real = plan(cluster);
        CapacityPlan dry = plan(cluster, POLICY.withDryRun(true), CapacityHistory.EMPTY);
        assertTrue(dry.dryRun());
        assertEquals(real.actions(), dry.actions());
        assertNotNull(real.history().lastScaleOut());
        assertEquals(null, dry.history().lastScaleOut());
        assertTrue(dry.history().recentDecisions().get(0).dryRun());
        assertTrue(notesMention(dry, "dry run"), dry.notes().toString());
    }

    @Test
    void thePlanIsAFunctionOfItsInputs() {
        Cluster cluster = withDestructiveWork();
        cluster.pending(2, "web", 1.5, GIB, NO_ROOM);
        CapacityHistory history = withDestructiveHistory(null);
        assertEquals(plan(cluster, POLICY, history), plan(cluster, POLICY, history));
    }

    @Test
    void theHistoryKeepsTheLatestDecisionsAndTheReading() {
        Cluster cluster = busyAgents(1);
        cluster.pending(2, "web", 1.5, GIB, NO_ROOM);
        List<CapacityHistory.Decision> many = new ArrayList<>();
        for (int i = 0; i < CapacityHistory.MAX_RECENT_DECISIONS; i++) {
            many.add(new CapacityHistory.Decision(NOW.minusSeconds(1000 - i), "old " + i, "r", false));
        }
        CapacityHistory history = new CapacityHistory(null, Map.of(), Map.of(), Map.of(), null, null, null, many);
        CapacityHistory next = plan(cluster, POLICY, history).history();
        assertEquals(CapacityHistory.MAX_RECENT_DECISIONS, next.recentDecisions().size());
        assertEquals("old 1", next.recentDecisions().get(0).action());
        assertEquals("scale out 1 -> 3", next.recentDecisions().get(next.recentDecisions().size() - 1).action());
        assertEquals(new CapacityHistory.Reading(1, 1, NOW), next.lastReading());
        assertEquals(new CapacityHistory.ScaleOutRecord(NOW, 1, 3), next.lastScaleOut());
        assertEquals(NOW, next.checkedAt());
    }

    @Test
    void placementConstraintsMatchAsSwarmDoes() {
        Node worker = new Node("id-w", 1, "Agent-1", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY,
                Map.of("zone", "West"), AGENT, NOW);
        assertTrue(Placement.of(List.of("node.role == worker", "node.labels.zone==west")).allows(worker));
        assertTrue(Placement.of(List.of("node.hostname==agent-1", "node.labels.gpu!=true")).allows(worker));
        assertFalse(Placement.of(List.of("node.labels.Zone==west")).allows(worker), "label names are case-sensitive");
        assertFalse(Placement.of(List.of("node.role==manager")).allows(worker));
        assertTrue(Placement.of(List.of("engine.labels.disk==ssd", "node.platform.os==linux")).allows(worker));
        assertTrue(Placement.of(List.of("node.hostname!=agent-1")).allowsNewAgent());
        assertFalse(Placement.of(List.of("node.id==abc")).allowsNewAgent());
    }
}
