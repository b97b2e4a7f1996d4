package io.harbormaster.capacity;

import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The capacity decision as a pure function: a snapshot, the policy and the history in; the actions, the reasons and
 * the next history out. It reads no clock and performs nothing; an executor carries the plan out.
 */
public final class CapacityPlanner {
    private static final String INSUFFICIENT_RESOURCES = "insufficient resources";

    private CapacityPlanner() {
    }

    public static CapacityPlan plan(CapacitySnapshot snapshot, CapacityPolicy policy, CapacityHistory history, Instant now) {
        return new Check(snapshot, policy, history, now).run();
    }

    /** One check's working state; every rule below reads the index built once. */
    private static final class Check {
        private final CapacitySnapshot snapshot;
        private final CapacityPolicy policy;
        private final CapacityHistory history;
        private final Instant now;
        private final ClusterIndex index;
        private final Notes notes = new Notes();
        private final List<CapacityAction> actions = new ArrayList<>();
        private final List<String> guardReasons = new ArrayList<>();
        private final Map<String, Instant> underUtilisedSince = new HashMap<>();
        private final Map<String, Instant> downSince = new HashMap<>();
        private final Map<String, Instant> unjoinedSince = new HashMap<>();
        private final CapacityHistory.ScaleOutRecord outsideScaleOut;
        private final CapacityHistory.ScaleOutRecord latestScaleOut;
        private final Map<String, Instant> joinedInstances = new HashMap<>();
        private Instant nextDeadline;

        private Resources agentSize;
        private String agentSizeSource;
        private long joining;
        private long uncreated;
        private boolean scaleOutInFlight;

        Check(CapacitySnapshot snapshot, CapacityPolicy policy, CapacityHistory history, Instant now) {
            this.snapshot = snapshot;
            this.policy = policy;
            this.history = history;
            this.now = now;
            this.index = new ClusterIndex(snapshot);
            this.outsideScaleOut = OutsideScaleOut.detect(history, snapshot.scaleSet().capacity(), now);
            this.latestScaleOut = outsideScaleOut != null ? outsideScaleOut : history.lastScaleOut();
        }

        CapacityPlan run() {
            measureAgent();
            track();
            guard();
            findScaleOutInFlight();
            resumeDrains();
            boolean capacityNeeded = scaleOut();
            if (capacityNeeded) {
                if (!underUtilisedSince.isEmpty()) {
                    notes.add(HumanUnits.count(underUtilisedSince.size(), "node is", "nodes are")
                            + " under-utilised, but scale-in waits while tasks are pending for lack of resources");
                }
            } else {
                scaleIn();
            }
            removeDownNodes();
            deleteNodelessInstances();
            return finish();
        }

        // --- what a new agent is --------------------------------------------------------------------------

        /** The newest ready agent shows what the scale set's SKU gives Docker; a SKU change shows there first. */
        private void measureAgent() {
            Node newest = null;
            for (Node node : snapshot.nodes()) {
                if (node.role() == SwarmRole.WORKER && node.state() == Node.State.READY && index.instanceOf(node) != null
                        && node.resources().nanoCpus() > 0 && node.resources().memoryBytes() > 0
                        && (newest == null || node.createdAt().isAfter(newest.createdAt()))) {
                    newest = node;
                }
            }
            if (newest == null) {
                agentSize = policy.fallbackAgentSize();
                agentSizeSource = "the policy's agent size, as no agent is in the swarm to measure";
            } else {
                agentSize = newest.resources();
                agentSizeSource = "as agent " + newest.hostname() + " reports it";
            }
        }

        /** A new agent's room: its size less one task of every global service that will run on it. */
        private Resources newAgentRoom() {
            long cpu = agentSize.nanoCpus();
            long memory = agentSize.memoryBytes();
            for (Service service : snapshot.services()) {
                if (service.global() && index.placement(service.id()).allowsNewAgent()) {
                    cpu -= service.reservations().nanoCpus();
                    memory -= service.reservations().memoryBytes();
                }
            }
            return new Resources(Math.max(0, cpu), Math.max(0, memory));
        }

        // --- what is remembered between checks --------------------------------------------------------------

        private void track() {
            for (Node node : snapshot.nodes()) {
                if (node.state() == Node.State.DOWN) {
                    downSince.put(node.id(), history.downSince().getOrDefault(node.id(), now));
                }
                if (scaleInTracked(node) && index.utilisation(node) * 100 < policy.scaleInUtilisationPercent()) {
                    underUtilisedSince.put(node.id(), history.underUtilisedSince().getOrDefault(node.id(), now));
                }
            }
            for (ScaleSetInstance instance : snapshot.instances()) {
                Node node = index.nodeOf(instance);
                if (node == null) {
                    unjoinedSince.put(instance.instanceId(), history.unjoinedSince().getOrDefault(instance.instanceId(), now));
                }
                if (node != null && (instance.createdAt() == null || !node.createdAt().isBefore(instance.createdAt()))) {
                    joinedInstances.put(instance.instanceId(), now);
                } else if (history.joinedInstances().containsKey(instance.instanceId())) {
                    // Kept while the scale set lists the instance, so a reboot is not taken for a VM that never joined.
                    joinedInstances.put(instance.instanceId(), history.joinedInstances().get(instance.instanceId()));
                }
            }
        }

        private static boolean scaleInTracked(Node node) {
            return node.role() == SwarmRole.WORKER && node.state() == Node.State.READY
                    && node.availability() == Node.Availability.ACTIVE;
        }

        // --- the guard ------------------------------------------------------------------------------------------

        private void guard() {
            long capacity = snapshot.scaleSet().capacity();
            int instances = snapshot.instances().size();
            int readyWorkers = 0;
            int readyWorkersWithoutInstance = 0;
            for (Node node : snapshot.nodes()) {
                if (node.role() == SwarmRole.WORKER && node.state() == Node.State.READY) {
                    readyWorkers++;
                    if (index.instanceOf(node) == null) {
                        readyWorkersWithoutInstance++;
                    }
                }
            }
            if (readyWorkers > 0 && capacity == 0) {
                guardReasons.add("the scale set reports capacity 0 while " + readyWorkers + " worker nodes are ready");
            }
            if (readyWorkers > 0 && instances == 0) {
                guardReasons.add("the scale set lists no instances while " + readyWorkers + " worker nodes are ready");
            } else if (readyWorkersWithoutInstance >= 2 && readyWorkersWithoutInstance * 2 > readyWorkers) {
                guardReasons.add(readyWorkersWithoutInstance + " of " + readyWorkers
                        + " ready worker nodes have no instance in the scale set's list");
            }
            int oldUnjoined = 0;
            for (ScaleSetInstance instance : snapshot.instances()) {
                if (index.nodeOf(instance) == null && !stopped(instance) && !age(instance).minus(policy.provisioningTimeout()).isNegative()) {
                    oldUnjoined++;
                }
            }
            if (oldUnjoined >= 2 && oldUnjoined * 2 > instances) {
                guardReasons.add(oldUnjoined + " of " + instances
                        + " instances have had no swarm node for longer than the provisioning timeout: the swarm's node list may be incomplete");
            }
            if (instances - capacity >= 2 && capacity * 2 < instances) {
                guardReasons.add("the scale set reports capacity " + capacity + " but lists " + instances + " instances");
            }
            CapacityHistory.Reading last = history.lastReading();
            if (last != null) {
                long announced = expectation() == null ? Long.MAX_VALUE : expectation().capacity();
                long explained = scaleInsCompletedSince(last.at());
                if (suddenDrop(last.instances(), instances, explained, announced)) {
                    guardReasons.add("the instance count dropped from " + last.instances() + " to " + instances
                            + " since the check at " + last.at());
                }
                if (suddenDrop(last.capacity(), capacity, explained, announced)) {
                    guardReasons.add("the capacity dropped from " + last.capacity() + " to " + capacity
                            + " since the check at " + last.at());
                }
            }
        }

        /** More than half gone, and at least two, beyond what our own scale-ins or an announcement account for. */
        private static boolean suddenDrop(long before, long after, long explained, long announced) {
            if (after >= announced) {
                return false;
            }
            long unexplained = before - after - explained;
            return unexplained >= 2 && unexplained * 2 > before;
        }

        private long scaleInsCompletedSince(Instant since) {
            long n = 0;
            for (DrainStatus status : index.drains()) {
                if (status.request().reason() == DrainReason.SCALE_IN && status.instanceDeleted()
                        && !status.updatedAt().isBefore(since)) {
                    n++;
                }
            }
            return n;
        }

        /** An announced capacity counts until the change could have happened: one provisioning timeout. */
        private CapacityHistory.Expectation expectation() {
            CapacityHistory.Expectation expected = history.expectedCapacity();
            if (expected == null || !now.isBefore(expected.at().plus(policy.provisioningTimeout()))) {
                return null;
            }
            return expected;
        }

        // --- scale-out ------------------------------------------------------------------------------------------

        private void findScaleOutInFlight() {
            for (ScaleSetInstance instance : snapshot.instances()) {
                if (index.nodeOf(instance) == null && !stopped(instance) && age(instance).compareTo(policy.provisioningTimeout()) < 0) {
                    joining++;
                }
            }
            long capacity = snapshot.scaleSet().capacity();
            long missing = Math.max(0, capacity - snapshot.instances().size());
            CapacityHistory.ScaleOutRecord last = latestScaleOut;
            boolean recent = last != null && now.isBefore(last.at().plus(policy.provisioningTimeout()));
            if (missing > 0 && recent) {
                uncreated = missing;
            } else if (missing > 0) {
                notes.add("the scale set's capacity is " + capacity + " but it lists " + snapshot.instances().size()
                        + " instances, and no scale-out of ours is that recent: Azure may be short of quota or still creating");
            }
            scaleOutInFlight = joining + uncreated > 0;
        }

        /** Returns whether tasks are pending that more capacity would place. */
        private boolean scaleOut() {
            Resources room = newAgentRoom();
            List<Task> counted = new ArrayList<>();
            Map<String, Map<String, Integer>> reported = new LinkedHashMap<>();
            for (Task task : index.pending()) {
                String message = task.message() == null ? "" : task.message();
                Service service = index.service(task.serviceId());
                String why = null;
                if (!message.toLowerCase(Locale.ROOT).contains(INSUFFICIENT_RESOURCES)) {
                    if (!message.isBlank()) {
                        why = "pending for a reason more agents do not change: " + message;
                    }
                } else if (index.global(task) || task.nodeId() != null && !task.nodeId().isEmpty()) {
                    why = "tied to its node (global service): a new agent does not help";
                } else if (task.reservations().nanoCpus() == 0 && task.reservations().memoryBytes() == 0) {
                    why = "reserves no CPU or memory the planner can see (generic resources?): not scaling for it";
                } else if (!index.placement(task.serviceId()).allowsNewAgent()) {
                    why = "its placement constraints " + service.constraints() + " exclude a new agent: not scaling for it";
                } else if (task.reservations().nanoCpus() > room.nanoCpus() || task.reservations().memoryBytes() > room.memoryBytes()) {
                    why = "reserves " + HumanUnits.resources(task.reservations()) + ", more than one agent offers ("
                            + HumanUnits.resources(room) + "): it can never fit, not scaling for it";
                } else {
                    counted.add(task);
                }
                if (why != null) {
                    reported.computeIfAbsent(why, reason -> new LinkedHashMap<>()).merge(serviceName(task.serviceId()), 1, Integer::sum);
                }
            }
            reported.forEach((why, byService) -> notes.add("kinds of pending tasks",
                    HumanUnits.count(byService.values().stream().mapToInt(Integer::intValue).sum(), "pending task", "pending tasks")
                            + " of " + describeServices(byService) + ": " + why));

            List<Packing.Bin> bins = new ArrayList<>();
            List<Reactivation> reactivations = reactivationCandidates();
            for (Reactivation candidate : reactivations) {
                bins.add(new Packing.Bin(candidate.node(), candidate.room().nanoCpus(), candidate.room().memoryBytes()));
            }
            int firstUpcoming = bins.size();
            // Bounded: a capacity read far above the instance list must not turn into as many bins.
            for (long i = 0; i < Math.min(joining + uncreated, policy.maxAgents()); i++) {
                bins.add(Packing.Bin.newAgent(room));
            }
            int firstNew = bins.size();
            long leftOver = 0;
            if (!counted.isEmpty()) {
                List<Packing.Group> groups = Packing.groups(counted, index::placement, agentSize);
                leftOver = Packing.pack(groups, bins, room, policy.maxAgents());
            }
            String pendingSummary = counted.isEmpty() ? "" : describePending(counted);

            for (int i = 0; i < firstUpcoming; i++) {
                if (bins.get(i).placed > 0) {
                    Reactivation candidate = reactivations.get(i);
                    actions.add(new CapacityAction.ReactivateNode(candidate.node(), candidate.status().request().requestId(),
                            pendingSummary + "; " + candidate.node().hostname() + " is draining for scale-in (request "
                                    + candidate.status().request().requestId() + "); reactivated, it takes " + bins.get(i).placed
                                    + " of them sooner than a new agent could join"));
                }
            }
            int onUpcoming = 0;
            for (int i = firstUpcoming; i < firstNew; i++) {
                onUpcoming += bins.get(i).placed;
            }
            if (onUpcoming > 0) {
                notes.add(HumanUnits.count(onUpcoming, "pending task", "pending tasks") + " will fit on the "
                        + HumanUnits.count(joining + uncreated, "agent", "agents") + " still provisioning or joining");
            }
            int needed = bins.size() - firstNew;
            if (leftOver > 0) {
                notes.add(HumanUnits.count(leftOver, "pending task", "pending tasks")
                        + " would not fit even on " + policy.maxAgents() + " new agents");
            }
            decideCapacity(needed, pendingSummary);
            return !counted.isEmpty();
        }

        private void decideCapacity(long neededAgents, String pendingSummary) {
            long capacity = snapshot.scaleSet().capacity();
            if (capacity > policy.maxAgents()) {
                notes.add("the scale set's capacity " + capacity + " is above the maximum of " + policy.maxAgents()
                        + "; capacity is never lowered, scale-in removes idle nodes one drain at a time");
            }
            if (neededAgents == 0 && capacity >= policy.minAgents()) {
                return;
            }
            if (scaleOutInFlight) {
                String what = neededAgents > 0
                        ? HumanUnits.count(neededAgents, "more agent is", "more agents are") + " needed"
                        : "the scale set is below the minimum of " + policy.minAgents();
                notes.add(what + ", but " + HumanUnits.count(joining + uncreated, "instance is", "instances are")
                        + " still provisioning or joining: no further scale-out until they join or time out");
                return;
            }
            long wanted = capacity + neededAgents;
            String why;
            if (neededAgents > 0) {
                why = pendingSummary + "; they pack into " + HumanUnits.count(neededAgents, "new agent", "new agents")
                        + " of " + HumanUnits.resources(agentSize) + " (" + agentSizeSource + ")";
            } else {
                why = "the scale set's capacity " + capacity + " is below the minimum of " + policy.minAgents();
            }
            if (wanted < policy.minAgents()) {
                wanted = policy.minAgents();
                why += "; raised to the minimum of " + policy.minAgents();
            }
            long limit = Math.min(policy.maxAgents(), capacity + policy.maxScaleOutStep());
            long to = Math.min(wanted, limit);
            if (to <= capacity) {
                notes.add(why + ", but the scale set is at its maximum of " + policy.maxAgents() + " agents: not scaling out");
                return;
            }
            if (to < wanted) {
                why += to == policy.maxAgents()
                        ? "; adding " + (to - capacity) + ": the maximum is " + policy.maxAgents() + " agents"
                        : "; adding " + (to - capacity) + ": the maximum scale-out step is " + policy.maxScaleOutStep();
            }
            actions.add(new CapacityAction.ScaleOut(capacity, to, why));
        }

        private String describePending(List<Task> counted) {
            Map<String, Integer> byKind = new LinkedHashMap<>();
            for (Task task : counted) {
                byKind.merge(serviceName(task.serviceId()) + " at " + HumanUnits.resources(task.reservations()), 1, Integer::sum);
            }
            return HumanUnits.count(counted.size(), "task is", "tasks are") + " pending for lack of resources ("
                    + mostFirst(byKind) + ")";
        }

        /** "service web", or "3 services (web ×5, api ×2, db ×1)"; the three with most tasks first. */
        private static String describeServices(Map<String, Integer> byService) {
            if (byService.size() == 1) {
                return "service " + byService.keySet().iterator().next();
            }
            return byService.size() + " services (" + mostFirst(byService) + ")";
        }

        private static String mostFirst(Map<String, Integer> counts) {
            return counts.entrySet().stream()
                    .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .limit(3)
                    .map(entry -> entry.getKey() + " ×" + entry.getValue())
                    .collect(Collectors.joining(", ")) + (counts.size() > 3 ? ", …" : "");
        }

        private record Reactivation(Node node, DrainStatus status, Resources room) {
        }

        /** Nodes draining for scale-in whose instances still exist: capacity that only needs a word to come back. */
        private List<Reactivation> reactivationCandidates() {
            List<Reactivation> candidates = new ArrayList<>();
            for (Node node : snapshot.nodes()) {
                DrainStatus status = index.drain(node.labels().get(DrainProgress.REQUEST_LABEL));
                if (status == null || node.availability() != Node.Availability.DRAIN || node.state() != Node.State.READY
                        || status.request().reason() != DrainReason.SCALE_IN || status.instanceDeleted()
                        || status.state() == DrainState.REMOVED || index.instanceOf(node) == null) {
                    continue;
                }
                if (status.request().deleteInstance() && status.state() == DrainState.DRAINED
                        || "Deleting".equalsIgnoreCase(index.instanceOf(node).provisioningState())) {
                    // The worker records "drained" just before it asks ARM to delete the instance, and a delete once
                    // sent is not called back: tasks put on the node now would lose it again (seen in the chaos run).
                    notes.add("drains past the point of return", node.hostname() + " is drained for scale-in and its instance"
                            + " is being deleted: not reactivated");
                    continue;
                }
                candidates.add(new Reactivation(node, status, roomAfterReactivation(node)));
            }
            candidates.sort(Comparator.comparing((Reactivation r) -> r.status().request().requestedAt()).reversed()
                    .thenComparing(r -> r.node().hostname()));
            return candidates;
        }

        private Resources roomAfterReactivation(Node node) {
            Resources free = index.free(node);
            long cpu = free.nanoCpus();
            long memory = free.memoryBytes();
            Set<String> globalsOnNode = new HashSet<>();
            for (Task task : index.tasksOn(node)) {
                globalsOnNode.add(task.serviceId());
            }
            for (Service service : snapshot.services()) {
                if (service.global() && !globalsOnNode.contains(service.id()) && index.placement(service.id()).allows(node)) {
                    cpu -= service.reservations().nanoCpus();
                    memory -= service.reservations().memoryBytes();
                }
            }
            return new Resources(Math.max(0, cpu), Math.max(0, memory));
        }

        // --- scale-in ------------------------------------------------------------------------------------------

        private void scaleIn() {
            if (policy.maxScaleInStep() == 0 || policy.scaleInUtilisationPercent() == 0) {
                return;
            }
            List<Node> underUtilised = new ArrayList<>();
            for (Node node : snapshot.nodes()) {
                if (underUtilisedSince.containsKey(node.id())) {
                    underUtilised.add(node);
                }
            }
            if (underUtilised.isEmpty()) {
                return;
            }
            CapacityHistory.ScaleOutRecord last = latestScaleOut;
            if (last != null && now.isBefore(last.at().plus(policy.scaleInDelayAfterScaleOut()))) {
                Instant until = last.at().plus(policy.scaleInDelayAfterScaleOut());
                notes.add(HumanUnits.count(underUtilised.size(), "node is", "nodes are") + " under-utilised, but no scale-in until "
                        + until + ": " + HumanUnits.duration(policy.scaleInDelayAfterScaleOut()) + " after the scale-out at " + last.at());
                due(until);
                return;
            }
            Set<String> scaleInsUnderWay = new HashSet<>();
            for (DrainStatus status : index.drains()) {
                if (!status.finished() && status.request().reason() == DrainReason.SCALE_IN) {
                    scaleInsUnderWay.add(ClusterIndex.key(status.request().hostname()));
                }
            }
            int byStep = policy.maxScaleInStep() - scaleInsUnderWay.size();
            int readyAgents = 0;
            for (Node node : snapshot.nodes()) {
                if (node.state() == Node.State.READY && node.availability() != Node.Availability.DRAIN
                        && index.instanceOf(node) != null && !node.isManager()) {
                    readyAgents++;
                }
            }
            int byMinimum = readyAgents - policy.minAgents();

            List<Candidate> eligible = new ArrayList<>();
            for (Node node : underUtilised) {
                String name = node.hostname();
                double utilisation = index.utilisation(node);
                Duration under = Duration.between(underUtilisedSince.get(node.id()), now);
                ScaleSetInstance instance = index.instanceOf(node);
                Instant givenBackUntil = givenBackUntil(node);
                if (policy.optOutLabel().on(node)) {
                    notes.add("nodes opted out", "node " + name + " is under-utilised but opted out of scale-in (label "
                            + policy.optOutLabel() + ")");
                } else if (instance == null) {
                    notes.add("nodes outside the scale set", "node " + name + " is under-utilised but no scale-set instance is named "
                            + name + ": not a scale-in candidate");
                } else if (index.sharesComputerName(instance)) {
                    notes.add("nodes sharing an instance name", "node " + name + " is under-utilised but more than one instance"
                            + " is named " + name + ": which one would go is not clear, not a scale-in candidate");
                } else if (instance.protectedFromScaleIn()) {
                    notes.add("protected nodes", "node " + name + " is under-utilised but its instance " + instance.instanceId()
                            + " is protected from scale-in");
                } else if (index.unfinishedDrainOf(name) != null) {
                    notes.add("nodes with a drain", "node " + name + " is under-utilised and already has a drain under way");
                } else if (givenBackUntil != null) {
                    notes.add("nodes given back", "node " + name + " is under-utilised but its last drain timed out with tasks"
                            + " still on it and gave it back at " + index.latestDrainOf(name).updatedAt()
                            + "; not scaled in again before " + givenBackUntil);
                    due(givenBackUntil);
                } else if (under.compareTo(policy.unneededTime()) < 0) {
                    notes.add("under-utilised nodes", "node " + name + " under-utilised (" + HumanUnits.percent(utilisation)
                            + ") for " + HumanUnits.duration(under) + " of " + HumanUnits.duration(policy.unneededTime()));
                    due(underUtilisedSince.get(node.id()).plus(policy.unneededTime()));
                } else {
                    eligible.add(new Candidate(node, utilisation, under));
                }
            }
            if (eligible.isEmpty()) {
                return;
            }
            if (byStep <= 0) {
                notes.add(HumanUnits.count(eligible.size(), "node is", "nodes are") + " eligible for scale-in, but "
                        + HumanUnits.count(scaleInsUnderWay.size(), "scale-in is", "scale-ins are") + " under way (at most "
                        + policy.maxScaleInStep() + " at a time)");
                return;
            }
            if (byMinimum <= 0) {
                notes.add(HumanUnits.count(eligible.size(), "node is", "nodes are") + " eligible for scale-in, but "
                        + HumanUnits.count(readyAgents, "agent is", "agents are") + " ready and the minimum is " + policy.minAgents());
                return;
            }
            int allowed = Math.min(byStep, byMinimum);
            eligible.sort(Comparator.comparingDouble(Candidate::utilisation).thenComparing(c -> c.node().hostname()));
            chooseScaleIns(eligible, allowed, byStep <= byMinimum
                    ? "at most " + policy.maxScaleInStep() + " at a time"
                    : "the minimum of " + policy.minAgents() + " agents");
        }

        /**
         * When a node whose drain timed out and gave it back may be scaled in again: the unneeded time counted from
         * the give-back, so it is never picked at once, even when no check saw it draining to restart its clock.
         * Null when that time is over or its last drain ended otherwise.
         */
        private Instant givenBackUntil(Node node) {
            DrainStatus last = index.latestDrainOf(node.hostname());
            if (last == null || last.state() != DrainState.REACTIVATED || !last.finished()) {
                return null;
            }
            Instant until = last.updatedAt().plus(policy.unneededTime());
            return now.isBefore(until) ? until : null;
        }

        private record Candidate(Node node, double utilisation, Duration under) {
        }

        private void chooseScaleIns(List<Candidate> eligible, int allowed, String limit) {
            // Every schedulable node may take a leaving node's tasks, managers included when they are active.
            List<Packing.Bin> targets = new ArrayList<>();
            Map<String, Packing.Bin> binOf = new HashMap<>();
            for (Node node : snapshot.nodes()) {
                if (node.state() == Node.State.READY && node.availability() == Node.Availability.ACTIVE) {
                    Resources free = index.free(node);
                    Packing.Bin bin = new Packing.Bin(node, free.nanoCpus(), free.memoryBytes());
                    targets.add(bin);
                    binOf.put(node.id(), bin);
                }
            }
            // Tasks go first to nodes that stay, roomiest first; then to candidates, the busiest (last to leave) first.
            // Roomiest-first alone would move one idle node's tasks onto the next idle node and keep that one.
            Map<String, Integer> candidateRank = new HashMap<>();
            for (int i = 0; i < eligible.size(); i++) {
                candidateRank.put(eligible.get(i).node().id(), i);
            }
            targets.sort(Comparator.comparingInt((Packing.Bin b) -> -candidateRank.getOrDefault(b.node.id(), Integer.MAX_VALUE))
                    .thenComparing(Comparator.comparingLong((Packing.Bin b) -> b.freeCpu).reversed())
                    .thenComparing(b -> b.node.hostname()));
            int chosen = 0;
            int skipped = 0;
            for (Candidate candidate : eligible) {
                Node node = candidate.node();
                Packing.Bin own = binOf.get(node.id());
                if (chosen == allowed) {
                    skipped++;
                    continue;
                }
                if (own.placed > 0) {
                    // It was counted on to take a chosen node's tasks; leaving too would strand them.
                    notes.add("nodes kept to take tasks", "node " + node.hostname() + " is eligible for scale-in but would take tasks of a node leaving now");
                    continue;
                }
                List<Task> movable = new ArrayList<>();
                for (Task task : index.tasksOn(node)) {
                    if (!index.global(task)) {
                        movable.add(task);
                    }
                }
                own.closed = true;
                Packing.Group misfit = Packing.moveAll(Packing.groups(movable, index::placement, agentSize), targets);
                if (misfit != null) {
                    own.closed = false;
                    notes.add("nodes whose tasks do not fit elsewhere", "node " + node.hostname() + " is under-utilised ("
                            + HumanUnits.percent(candidate.utilisation()) + ") but its tasks do not fit on the remaining nodes: "
                            + HumanUnits.count(misfit.count(), "task", "tasks") + " of service " + serviceName(misfit.serviceId())
                            + " at " + HumanUnits.resources(misfit.each()) + " find no room");
                    continue;
                }
                chosen++;
                String instanceId = index.instanceOf(node).instanceId();
                actions.add(new CapacityAction.RequestDrain(node.hostname(), node.id(), instanceId, "node " + node.hostname()
                        + " has been under " + policy.scaleInUtilisationPercent() + " % utilisation for "
                        + HumanUnits.duration(candidate.under()) + " (unneeded time " + HumanUnits.duration(policy.unneededTime())
                        + "; " + HumanUnits.resources(index.usage(node)) + " reserved of " + HumanUnits.resources(node.resources())
                        + ", " + HumanUnits.percent(candidate.utilisation()) + "); its "
                        + HumanUnits.count(movable.size(), "task fits", "tasks fit") + " on the remaining nodes; least busy first of "
                        + eligible.size() + " eligible"));
            }
            if (skipped > 0) {
                notes.add(HumanUnits.count(skipped, "more node is", "more nodes are") + " eligible for scale-in; not now: " + limit);
            }
        }

        // --- drains left half-done ------------------------------------------------------------------------------

        private void resumeDrains() {
            Set<String> resumed = new HashSet<>();
            for (Node node : snapshot.nodes()) {
                String requestId = node.labels().get(DrainProgress.REQUEST_LABEL);
                if (requestId == null) {
                    continue;
                }
                DrainStatus status = index.drain(requestId);
                String name = node.hostname();
                if (status == null) {
                    if (node.availability() == Node.Availability.DRAIN) {
                        resumed.add(requestId);
                        actions.add(new CapacityAction.ResumeDrain(name, node.id(), requestId, "node " + name
                                + " is set to drain by request " + requestId + " but no drain status of that request exists: left half-done"));
                    } else {
                        notes.add("stale drain labels", "node " + name + " carries the label of drain " + requestId
                                + " but is " + node.availability().name().toLowerCase(Locale.ROOT) + " and no such drain is known: someone re-activated it; left alone");
                    }
                } else if (!status.finished()) {
                    if (stalled(status)) {
                        resumed.add(requestId);
                        actions.add(resumeStalled(status, node.id()));
                    }
                } else if (status.state() == DrainState.FAILED && node.availability() == Node.Availability.DRAIN) {
                    notes.add("failed drains", "drain " + requestId + " of " + name + " failed (" + status.failure()
                            + "); the node stays drained" + (status.request().reason() == DrainReason.SCALE_IN
                            ? " until capacity is needed, when it is reactivated" : ""));
                }
            }
            for (DrainStatus status : index.drains()) {
                if (!status.finished() && !resumed.contains(status.request().requestId()) && stalled(status)) {
                    resumed.add(status.request().requestId());
                    actions.add(resumeStalled(status, status.request().nodeId()));
                }
            }
        }

        private boolean stalled(DrainStatus status) {
            Instant deadline = status.updatedAt().plus(policy.drainStallTimeout());
            due(deadline);
            return !now.isBefore(deadline);
        }

        private CapacityAction.ResumeDrain resumeStalled(DrainStatus status, String nodeId) {
            return new CapacityAction.ResumeDrain(status.request().hostname(), nodeId, status.request().requestId(),
                    "drain " + status.request().requestId() + " of " + status.request().hostname() + " is "
                            + status.state().wireName() + " with no progress since " + status.updatedAt() + " (stall timeout "
                            + HumanUnits.duration(policy.drainStallTimeout()) + "): its message was lost");
        }

        // --- clean-up -----------------------------------------------------------------------------------------

        private void removeDownNodes() {
            for (Node node : snapshot.nodes()) {
                if (node.state() != Node.State.DOWN) {
                    continue;
                }
                String name = node.hostname();
                Duration down = Duration.between(downSince.get(node.id()), now);
                ScaleSetInstance instance = index.instanceOf(node);
                if (node.isManager()) {
                    notes.add("down managers", "manager " + name + " is down for " + HumanUnits.duration(down)
                            + "; managers are never removed here (quorum is a person's decision)");
                } else if (instance != null) {
                    notes.add("down nodes with an instance", "node " + name + " is down for " + HumanUnits.duration(down)
                            + " but its instance " + instance.instanceId() + " exists (" + instance.powerState().name().toLowerCase(Locale.ROOT)
                            + "): left alone");
                } else if (index.unfinishedDrainOf(name) != null
                        && node.id().equals(index.unfinishedDrainOf(name).request().nodeId())) {
                    notes.add("down nodes with a drain", "node " + name + " is down; its drain removes it");
                } else if (down.compareTo(policy.downNodeGrace()) < 0) {
                    notes.add("down nodes", "node " + name + " down for " + HumanUnits.duration(down) + " of "
                            + HumanUnits.duration(policy.downNodeGrace()) + " and no instance is named " + name);
                    due(downSince.get(node.id()).plus(policy.downNodeGrace()));
                } else {
                    actions.add(new CapacityAction.RemoveDownNode(node.id(), name, "node " + name + " has been down for "
                            + HumanUnits.duration(down) + " (grace " + HumanUnits.duration(policy.downNodeGrace())
                            + ") and the scale set has no instance named " + name));
                }
            }
        }

        /**
         * Deletes instances that never joined within the provisioning timeout, and those that once had a node and
         * did not get one back within the rejoin grace ({@link NodelessInstanceRule}).
         */
        private void deleteNodelessInstances() {
            for (ScaleSetInstance instance : snapshot.instances()) {
                if (index.nodeOf(instance) != null) {
                    continue;
                }
                String name = instance.computerName();
                NodelessInstanceRule.Verdict verdict = NodelessInstanceRule.judge(instance,
                        unjoinedSince.get(instance.instanceId()), joinedInstances.get(instance.instanceId()),
                        name == null ? null : index.latestDrainOf(name), policy, now);
                String what = "instance " + instance.instanceId() + " (" + name + ") " + verdict.describe(now);
                String topic = verdict.evidence() == null ? "instances that never joined" : "instances without their node";
                DrainStatus drain = name == null ? null : index.unfinishedDrainOf(name);
                if (!verdict.overdue()) {
                    due(verdict.until());
                    if (verdict.kind() == NodelessInstanceRule.Kind.REJOINING) {
                        notes.add("instances rejoining", what + ": it may rejoin until " + verdict.until()
                                + " (rejoin grace " + HumanUnits.duration(policy.rejoinGrace()) + ")");
                    }
                } else if (instance.protectedFromScaleIn()) {
                    notes.add(topic, what + " but is protected from scale-in: left alone");
                } else if (stopped(instance)) {
                    notes.add(topic, what + " but is " + instance.powerState().name().toLowerCase(Locale.ROOT)
                            + ", by someone's choice: left alone");
                } else if (drain != null) {
                    notes.add(topic, "instance " + instance.instanceId() + " (" + name + ") has no node; "
                            + (drain.request().deleteInstance() ? "its drain deletes it"
                            : "its " + drain.request().reason().wireName() + " drain " + drain.request().requestId()
                            + " is under way: left alone"));
                } else if (verdict.kind() == NodelessInstanceRule.Kind.NEVER_JOINED) {
                    actions.add(new CapacityAction.DeleteInstance(instance.instanceId(), name, "instance "
                            + instance.instanceId() + " (" + name + ") is " + HumanUnits.duration(age(instance))
                            + " old and never joined the swarm (provisioning timeout " + HumanUnits.duration(policy.provisioningTimeout())
                            + ", provisioning state " + instance.provisioningState() + ")"));
                } else {
                    actions.add(new CapacityAction.DeleteInstance(instance.instanceId(), name, what
                            + " and did not rejoin within the rejoin grace of " + HumanUnits.duration(policy.rejoinGrace())
                            + " (provisioning state " + instance.provisioningState() + ", power state "
                            + instance.powerState().name().toLowerCase(Locale.ROOT) + ")"));
                }
            }
        }

        private static boolean stopped(ScaleSetInstance instance) {
            return switch (instance.powerState()) {
                case STOPPING, STOPPED, DEALLOCATING, DEALLOCATED -> true;
                default -> false;
            };
        }

        /** How long the instance has existed; when Azure reports no creation time, how long it has been seen nodeless. */
        private Duration age(ScaleSetInstance instance) {
            Instant since = instance.createdAt() != null
                    ? instance.createdAt()
                    : unjoinedSince.getOrDefault(instance.instanceId(), now);
            return Duration.between(since, now);
        }

        // --- the plan -----------------------------------------------------------------------------------------

        private CapacityPlan finish() {
            boolean tripped = !guardReasons.isEmpty();
            List<String> lines = new ArrayList<>();
            List<CapacityAction> kept = new ArrayList<>();
            Notes withheld = new Notes();
            for (CapacityAction action : actions) {
                if (tripped && action.destructive()) {
                    withheld.add("actions withheld by the guard", "withheld by the guard: " + action.summary() + " (" + action.reason() + ")");
                } else {
                    kept.add(action);
                }
            }
            if (tripped) {
                lines.add("guard tripped: " + String.join("; ", guardReasons) + ". Nothing destructive is done this check");
                lines.addAll(withheld.build());
            }
            if (policy.dryRun() && !kept.isEmpty()) {
                lines.add("dry run: the executor logs these actions and performs none");
            }
            lines.addAll(notes.build());

            List<CapacityHistory.Decision> decisions = new ArrayList<>();
            if (tripped) {
                decisions.add(new CapacityHistory.Decision(now, "guard tripped", String.join("; ", guardReasons), policy.dryRun()));
            }
            if (outsideScaleOut != null) {
                decisions.add(new CapacityHistory.Decision(now, "capacity raised from outside " + outsideScaleOut.fromCapacity()
                        + " -> " + outsideScaleOut.toCapacity(), "the scale set's capacity rose from " + outsideScaleOut.fromCapacity()
                        + " to " + outsideScaleOut.toCapacity() + " since the last check, not by a scale-out of ours (Azure autoscale"
                        + " or a person): it counts as a scale-out, so no scale-in before "
                        + now.plus(policy.scaleInDelayAfterScaleOut()), false));
            }
            CapacityHistory.ScaleOutRecord lastScaleOut = latestScaleOut;
            for (CapacityAction action : kept) {
                decisions.add(new CapacityHistory.Decision(now, action.summary(), action.reason(), policy.dryRun()));
                if (action instanceof CapacityAction.ScaleOut scaleOut && !policy.dryRun()) {
                    lastScaleOut = new CapacityHistory.ScaleOutRecord(now, scaleOut.fromCapacity(), scaleOut.toCapacity());
                }
            }
            Map<String, Instant> joined = new HashMap<>(joinedInstances);
            if (tripped) {
                // A doubtful instance list must not make the next checks forget which instances once had a node.
                history.joinedInstances().forEach(joined::putIfAbsent);
            }
            CapacityHistory next = new CapacityHistory(now, underUtilisedSince, downSince, unjoinedSince, lastScaleOut,
                    expectation(), new CapacityHistory.Reading(snapshot.scaleSet().capacity(), snapshot.instances().size(), now),
                    history.recentDecisions(), joined).withDecisions(decisions);
            return new CapacityPlan(kept, lines, tripped, policy.dryRun(), next, nextDeadline);
        }

        private void due(Instant at) {
            if (at.isAfter(now) && (nextDeadline == null || at.isBefore(nextDeadline))) {
                nextDeadline = at;
            }
        }

        private String serviceName(String serviceId) {
            Service service = index.service(serviceId);
            return service == null || service.name().isEmpty() ? String.valueOf(serviceId) : service.name();
        }
    }
}
