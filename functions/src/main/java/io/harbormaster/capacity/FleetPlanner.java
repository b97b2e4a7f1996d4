package io.harbormaster.capacity;

import java.time.Instant;
import java.util.ArrayList;
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
        PoolExpander.Choice choice = PoolExpander.choose(fleet, nodePools, shared);
        Map<String, CapacitySnapshot> snapshots = FleetPartition.split(fleet, nodePools, choice.poolByTask());
        List<PoolPlan> plans = new ArrayList<>();
        for (FleetSnapshot.PoolReading reading : fleet.pools()) {
            Pool pool = reading.pool();
            CapacitySnapshot snapshot = snapshots.get(pool.name());
            String sku = reading.scaleSet().sku();
            CapacityPlan plan = CapacityPlanner.plan(snapshot, pool.policy(shared),
                    histories.getOrDefault(pool.name(), CapacityHistory.EMPTY), now, pool.newAgentLabels(sku));
            List<CapacityAction> actions = new ArrayList<>(plan.actions());
            // Not withheld by a tripped guard: a label takes nothing away. In a dry run, listed and not done, as the rest.
            if (pool.labelsNodes()) {
                actions.addAll(PoolLabelRule.decide(pool, sku, snapshot.nodes(), snapshot.instances()));
            }
            List<String> notes = new ArrayList<>(choice.notes().getOrDefault(pool.name(), List.of()));
            notes.addAll(plan.notes());
            plans.add(new PoolPlan(pool, snapshot, new CapacityPlan(actions, notes, plan.guardTripped(), plan.dryRun(),
                    plan.history(), plan.nextDeadline())));
        }
        return plans;
    }
}
