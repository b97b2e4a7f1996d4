package io.harbormaster.capacity;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
        FleetPartition.NodePools nodePools = FleetPartition.nodePools(fleet);
        Map<String, String> passedOver = new HashMap<>();
        for (FleetSnapshot.PoolReading reading : fleet.pools()) {
            AllocationBackoff.reason(histories.getOrDefault(reading.pool().name(), CapacityHistory.EMPTY), reading.instances(), now)
                    .ifPresent(why -> passedOver.put(reading.pool().name(), why));
        }
        PoolExpander.Choice choice = PoolExpander.choose(fleet, nodePools, shared, passedOver);
        Map<String, CapacitySnapshot> snapshots = FleetPartition.split(fleet, nodePools, choice.poolByTask());
        List<PoolPlan> plans = new ArrayList<>();
        for (FleetSnapshot.PoolReading reading : fleet.pools()) {
            Pool pool = reading.pool();
            CapacitySnapshot snapshot = snapshots.get(pool.name());
            String sku = reading.scaleSet().sku();
            List<CapacityAction.LabelNode> labels = pool.labelsNodes()
                    ? PoolLabelRule.decide(pool, sku, snapshot.nodes(), snapshot.instances()) : List.of();
            // Planned as it will be once labelled, so a node that joins is not followed by a scale-out for its task.
            PoolLabelRule.Relabelled relabelled = PoolLabelRule.afterLabels(snapshot, labels);
            CapacityPlan plan = CapacityPlanner.plan(relabelled.snapshot(), pool.policy(shared),
                    histories.getOrDefault(pool.name(), CapacityHistory.EMPTY), now, pool.newAgentLabels(sku));
            List<CapacityAction> actions = new ArrayList<>(plan.actions());
            // Not withheld by a tripped guard: a label takes nothing away. In a dry run, listed and not done, as the rest.
            actions.addAll(labels);
            List<String> notes = new ArrayList<>(choice.notes().getOrDefault(pool.name(), List.of()));
            if (relabelled.placedOnRelabelled() > 0) {
                notes.add(HumanUnits.count(relabelled.placedOnRelabelled(), "pending task waits", "pending tasks wait")
                        + " for a node labelled this check, which satisfies its constraints: not scaling for it");
            }
            notes.addAll(plan.notes());
            plans.add(new PoolPlan(pool, relabelled.snapshot(), new CapacityPlan(actions, notes, plan.guardTripped(),
                    plan.dryRun(), plan.history(), plan.nextDeadline())));
        }
        return plans;
    }
}
