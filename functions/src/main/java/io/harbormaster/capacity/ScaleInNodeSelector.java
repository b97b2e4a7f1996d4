package io.harbormaster.capacity;

import io.harbormaster.drain.InstanceEnd;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Task;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which eligible nodes a scale-in drains: the least busy first, each only if its tasks fit on the nodes that stay,
 * as swarm would reschedule them (globals excepted: they go with their node), up to the number allowed. Equally idle
 * nodes go in the order {@link ZoneBalance} gives, so the zones stay level.
 */
final class ScaleInNodeSelector {
    private ScaleInNodeSelector() {
    }

    static RuleDecision<CapacityAction.RequestDrain> select(PlanningContext context, ScaleInRule.Eligible eligible) {
        RuleDecision.Builder<CapacityAction.RequestDrain> out = new RuleDecision.Builder<>(context.now());
        if (eligible.candidates().isEmpty()) {
            return out.build();
        }
        ClusterIndex index = context.index();
        CapacityPolicy policy = context.policy();
        List<ScaleInRule.Candidate> ordered = new ArrayList<>(eligible.candidates());
        ordered.sort(Comparator.comparingDouble(ScaleInRule.Candidate::utilisation).thenComparing(c -> c.node().hostname()));
        Map<String, Integer> agentsPerZone = ZoneBalance.agentsPerZone(index, context.snapshot().nodes());
        ordered = new ArrayList<>(ZoneBalance.order(ordered, agentsPerZone, index));
        String zones = agentsPerZone.size() < 2 ? ""
                : "; among equally idle nodes the zone with the most agents first (agents per zone " + agentsPerZone + ")";

        // Every schedulable node may take a leaving node's tasks, managers included when they are active.
        List<Packing.Bin> targets = new ArrayList<>();
        Map<String, Packing.Bin> binOf = new HashMap<>();
        for (Node node : context.snapshot().nodes()) {
            if (node.state() == Node.State.READY && node.availability() == Node.Availability.ACTIVE) {
                Resources free = index.free(node);
                Packing.Bin bin = new Packing.Bin(node, free);
                targets.add(bin);
                binOf.put(node.id(), bin);
            }
        }
        // Tasks go first to nodes that stay, roomiest first; then to candidates, the busiest (last to leave) first.
        // Roomiest-first alone would move one idle node's tasks onto the next idle node and keep that one.
        Map<String, Integer> candidateRank = new HashMap<>();
        for (int i = 0; i < ordered.size(); i++) {
            candidateRank.put(ordered.get(i).node().id(), i);
        }
        targets.sort(Comparator.comparingInt((Packing.Bin b) -> -candidateRank.getOrDefault(b.node.id(), Integer.MAX_VALUE))
                .thenComparing(Comparator.comparingLong((Packing.Bin b) -> b.freeCpu).reversed())
                .thenComparing(b -> b.node.hostname()));
        int chosen = 0;
        int skipped = 0;
        for (ScaleInRule.Candidate candidate : ordered) {
            Node node = candidate.node();
            Packing.Bin own = binOf.get(node.id());
            if (chosen == eligible.allowed()) {
                skipped++;
                continue;
            }
            if (own.placed > 0) {
                // It was counted on to take a chosen node's tasks; leaving too would strand them.
                out.note("nodes kept to take tasks", "node " + node.hostname() + " is eligible for scale-in but would take tasks of a node leaving now");
                continue;
            }
            List<Task> movable = new ArrayList<>();
            for (Task task : index.tasksOn(node)) {
                if (!index.global(task)) {
                    movable.add(task);
                }
            }
            own.closed = true;
            Packing.Group misfit = Packing.moveAll(Packing.groups(movable, index::placement, context.newAgent().size()), targets);
            if (misfit != null) {
                own.closed = false;
                out.note("nodes whose tasks do not fit elsewhere", "node " + node.hostname() + " is under-utilised ("
                        + HumanUnits.percent(candidate.utilisation()) + ") but its tasks do not fit on the remaining nodes: "
                        + HumanUnits.count(misfit.count(), "task", "tasks") + " of service " + context.serviceName(misfit.serviceId())
                        + " at " + HumanUnits.resources(misfit.each()) + " find no room");
                continue;
            }
            chosen++;
            out.act(new CapacityAction.RequestDrain(node.hostname(), node.id(), index.instanceOf(node).instanceId(),
                    policy.keepsWarm() ? InstanceEnd.DEALLOCATE : InstanceEnd.DELETE, "node "
                    + node.hostname() + " has been under " + policy.scaleInUtilisationPercent() + " % utilisation for "
                    + HumanUnits.duration(candidate.under()) + " (unneeded time " + HumanUnits.duration(policy.unneededTime())
                    + "; " + HumanUnits.resources(index.usage(node)) + " reserved of " + HumanUnits.resources(node.resources())
                    + ", " + HumanUnits.percent(candidate.utilisation()) + "); its "
                    + HumanUnits.count(movable.size(), "task fits", "tasks fit") + " on the remaining nodes; least busy first of "
                    + ordered.size() + " eligible" + zones));
        }
        if (skipped > 0) {
            out.note(HumanUnits.count(skipped, "more node is", "more nodes are") + " eligible for scale-in; not now: "
                    + eligible.limit());
        }
        return out.build();
    }
}
