package io.harbormaster.capacity;

import io.harbormaster.swarm.Task;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The capacity decision for every pool, pure like {@link CapacityPlanner}: the fleet is cut into one snapshot per pool
 * ({@link FleetPartition}), the pending tasks go to the pools the expander chose ({@link PoolExpander}), and each pool
 * is planned by {@link CapacityPlanner} with its own policy (its bounds and step) and its own history. With one pool
 * that is exactly the single scale set's plan; a pool of {@code HARBORMASTER_POOLS} also gets its labels on the nodes
 * that lack them ({@link PoolLabelRule}).
 */
public final class FleetPlanner {
    private FleetPlanner() {
    }

    /** One pool's plan, and the pool's share of the fleet it was made from; its actions are for the pool's scale set. */
    public record PoolPlan(Pool pool, CapacitySnapshot snapshot, CapacityPlan plan) {
    }

    /**
     * @param histories each pool's history by pool name; a pool without one starts from {@link CapacityHistory#EMPTY}
     * @return one plan per pool, in the order of the setting
     */
    public static List<PoolPlan> plan(FleetSnapshot fleet, CapacityPolicy shared, Map<String, CapacityHistory> histories,
            Instant now) {
        // Indexed once: the expander, the partition and every pool's plan read the same index.
        FleetIndex index = FleetIndex.of(fleet, FleetPartition.nodePools(fleet));
        Map<String, String> passedOver = new HashMap<>();
        for (FleetSnapshot.PoolReading reading : fleet.pools()) {
            AllocationBackoff.reason(histories.getOrDefault(reading.pool().name(), CapacityHistory.EMPTY), reading.instances(), now)
                    .ifPresent(why -> passedOver.put(reading.pool().name(), why));
        }
        PoolExpander.Choice choice = PoolExpander.choose(index, shared, passedOver);
        Map<String, FleetIndex.Share> shares = index.shares(choice.poolByTask());
        List<PoolPlan> plans = new ArrayList<>();
        for (FleetSnapshot.PoolReading reading : fleet.pools()) {
            Pool pool = reading.pool();
            FleetIndex.Share share = shares.get(pool.name());
            CapacitySnapshot snapshot = share.snapshot();
            String sku = reading.scaleSet().sku();
            List<CapacityAction.LabelNode> labels = pool.labelsNodes()
                    ? PoolLabelRule.decide(pool, sku, snapshot.nodes(), snapshot.instances()) : List.of();
            // Planned as it will be once labelled, so a node that joins is not followed by a scale-out for its task.
            PoolLabelRule.Relabelled relabelled = PoolLabelRule.afterLabels(snapshot, labels);
            ClusterIndex poolIndex = new ClusterIndex(relabelled.snapshot(), index, pending(share, relabelled));
            CapacityPlan plan = CapacityPlanner.plan(relabelled.snapshot(), poolIndex, pool.policy(shared),
                    histories.getOrDefault(pool.name(), CapacityHistory.EMPTY), now, pool.newAgentLabels(sku), pool.platform());
            plans.add(poolPlan(pool, labels, relabelled, choice.notes().getOrDefault(pool.name(), List.of()), plan));
        }
        return plans;
    }

    /**
     * The pool's plan as the fleet's: the planner's actions, then the labels; the expander's notes, then the labels',
     * then the planner's.
     */
    static PoolPlan poolPlan(Pool pool, List<CapacityAction.LabelNode> labels, PoolLabelRule.Relabelled relabelled,
            List<String> expanderNotes, CapacityPlan plan) {
        List<CapacityAction> actions = new ArrayList<>(plan.actions());
        // Not withheld by a tripped guard: a label takes nothing away. In a dry run, listed and not done, as the rest.
        actions.addAll(labels);
        List<String> notes = new ArrayList<>(expanderNotes);
        if (relabelled.placedOnRelabelled() > 0) {
            notes.add(HumanUnits.count(relabelled.placedOnRelabelled(), "pending task waits", "pending tasks wait")
                    + " for a node labelled this check, which satisfies its constraints: not scaling for it");
        }
        notes.addAll(plan.notes());
        return new PoolPlan(pool, relabelled.snapshot(), new CapacityPlan(actions, notes, plan.guardTripped(),
                plan.dryRun(), plan.history(), plan.nextDeadline()));
    }

    /** The share's pending tasks, less those a node labelled this check takes. */
    private static List<Task> pending(FleetIndex.Share share, PoolLabelRule.Relabelled relabelled) {
        if (relabelled.placedOnRelabelled() == 0) {
            return share.pending();
        }
        Set<Task> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        kept.addAll(relabelled.snapshot().tasks());
        List<Task> pending = new ArrayList<>();
        for (Task task : share.pending()) {
            if (kept.contains(task)) {
                pending.add(task);
            }
        }
        return pending;
    }
}
