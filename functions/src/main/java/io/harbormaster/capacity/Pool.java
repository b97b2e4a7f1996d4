package io.harbormaster.capacity;

import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.NodePlatform;
import io.harbormaster.swarm.Resources;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One pool of agents ({@code HARBORMASTER_POOLS}): its scale set, its bounds and step, the labels its nodes get, what
 * a new agent of it offers, and the order that breaks the expander's ties.
 *
 * @param agentSize what a new agent offers while none of the pool's nodes is in the swarm, or null for the policy's
 * @param scaleIn how scale-in ends an instance: delete it, or deallocate it and keep it warm
 * @param warmMax most deallocated instances kept in deallocate mode
 * @param labelsNodes whether the control plane labels the pool's nodes, and a new agent is planned with those labels:
 *                    every pool of {@code HARBORMASTER_POOLS}, not the single scale set's, which plans as before pools
 * @param mode the scale set's orchestration mode as the settings state it (the emulator and infra/cluster.json create
 *             it so); the adapter reads the real one from ARM
 * @param platform what a new agent reports as its platform, for {@code node.platform.*} constraints: Linux (the
 *                 cloud-init is Linux only) on the pool's architecture
 * @param genericResources what each new agent advertises as generic resources ({@code gpu} to 1), by kind
 * @param resourceGroup the scale set's resource group, or null for the cluster's ({@code HARBORMASTER_RESOURCE_GROUP});
 *                      a Flexible pool's is a group of its own, since the app may delete any VM of it
 */
public record Pool(
        String name,
        String scaleSetName,
        int minAgents,
        int maxAgents,
        int maxScaleOutStep,
        Map<String, String> labels,
        Priority priority,
        int order,
        Resources agentSize,
        CapacityPolicy.ScaleInMode scaleIn,
        int warmMax,
        boolean labelsNodes,
        ScaleSetModel.OrchestrationMode mode,
        NodePlatform platform,
        Map<String, Long> genericResources,
        String resourceGroup) {

    /** A new agent's platform unless its pool says otherwise. */
    public static final NodePlatform DEFAULT_PLATFORM = NodePlatform.LINUX_X86_64;
    /** The name of the one pool the single-scale-set settings make; its history keeps the blob it always had. */
    public static final String DEFAULT_NAME = "agents";
    public static final String POOL_LABEL = "io.harbormaster.pool";
    public static final String SKU_LABEL = "io.harbormaster.sku";
    public static final String ZONE_LABEL = "io.harbormaster.zone";
    public static final String PRIORITY_LABEL = "io.harbormaster.priority";
    /** The zone label's value for an instance in no availability zone. */
    public static final String NO_ZONE = "none";

    /** Azure's VM priority for the pool's instances. */
    public enum Priority {
        REGULAR, SPOT;

        /** As the node label carries it: {@code regular}, {@code spot}. */
        public String labelValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A pool of a Uniform scale set. */
    public Pool(String name, String scaleSetName, int minAgents, int maxAgents, int maxScaleOutStep,
            Map<String, String> labels, Priority priority, int order, Resources agentSize,
            CapacityPolicy.ScaleInMode scaleIn, int warmMax, boolean labelsNodes) {
        this(name, scaleSetName, minAgents, maxAgents, maxScaleOutStep, labels, priority, order, agentSize, scaleIn,
                warmMax, labelsNodes, ScaleSetModel.OrchestrationMode.UNIFORM);
    }

    /** The scale set's resource group: the pool's own, else the cluster's. */
    public String resourceGroupOr(String clusterGroup) {
        return resourceGroup == null ? clusterGroup : resourceGroup;
    }

    /** A pool of x86_64 agents that advertise no generic resources. */
    public Pool(String name, String scaleSetName, int minAgents, int maxAgents, int maxScaleOutStep,
            Map<String, String> labels, Priority priority, int order, Resources agentSize,
            CapacityPolicy.ScaleInMode scaleIn, int warmMax, boolean labelsNodes, ScaleSetModel.OrchestrationMode mode) {
        this(name, scaleSetName, minAgents, maxAgents, maxScaleOutStep, labels, priority, order, agentSize, scaleIn,
                warmMax, labelsNodes, mode, DEFAULT_PLATFORM, Map.of(), null);
    }

    /** A pool whose scale set is in the cluster's resource group. */
    public Pool(String name, String scaleSetName, int minAgents, int maxAgents, int maxScaleOutStep,
            Map<String, String> labels, Priority priority, int order, Resources agentSize,
            CapacityPolicy.ScaleInMode scaleIn, int warmMax, boolean labelsNodes, ScaleSetModel.OrchestrationMode mode,
            NodePlatform platform, Map<String, Long> genericResources) {
        this(name, scaleSetName, minAgents, maxAgents, maxScaleOutStep, labels, priority, order, agentSize, scaleIn,
                warmMax, labelsNodes, mode, platform, genericResources, null);
    }

    public Pool {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(scaleSetName, "scaleSetName");
        labels = Map.copyOf(labels);
        platform = platform == null ? DEFAULT_PLATFORM : platform;
        genericResources = Map.copyOf(genericResources);
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(scaleIn, "scaleIn");
        if (minAgents < 0 || minAgents > maxAgents || maxScaleOutStep < 1 || warmMax < 0) {
            throw new IllegalArgumentException("pool " + name + ": min " + minAgents + ", max " + maxAgents + ", step "
                    + maxScaleOutStep + ", warmMax " + warmMax + " are out of bounds");
        }
    }

    /** The single-scale-set settings' pool: the policy's bounds and step, no labels of its own. */
    static Pool single(String scaleSetName, CapacityPolicy policy) {
        return new Pool(DEFAULT_NAME, scaleSetName, policy.minAgents(), policy.maxAgents(), policy.maxScaleOutStep(),
                Map.of(), Priority.REGULAR, 0, null, policy.scaleInMode(), policy.warmMax(), false);
    }

    /** The shared policy with this pool's bounds, step and new-agent size. */
    public CapacityPolicy policy(CapacityPolicy shared) {
        CapacityPolicy bounded = shared.withAgents(minAgents, maxAgents).withSteps(maxScaleOutStep, shared.maxScaleInStep());
        if (agentSize != null || !genericResources.isEmpty()) {
            // The pool's generic resources ride on the new-agent size, where AgentSize finds them (and lets them win
            // over what a measured agent reports: the pool states what its new agents get).
            Resources size = (agentSize != null ? agentSize : bounded.fallbackAgentSize()).withGeneric(genericResources);
            bounded = new CapacityPolicy(bounded.minAgents(), bounded.maxAgents(), bounded.maxScaleOutStep(),
                    bounded.maxScaleInStep(), bounded.scaleInUtilisationPercent(), bounded.unneededTime(),
                    bounded.scaleInDelayAfterScaleOut(), bounded.downNodeGrace(), bounded.provisioningTimeout(),
                    bounded.rejoinGrace(), bounded.drainStallTimeout(), size, bounded.optOutLabel(), bounded.dryRun());
        }
        // The pool's own warm pool: its scale-in mode and cap (the single scale set's come from the shared policy).
        return bounded.withScaleIn(scaleIn, warmMax);
    }

    /**
     * Every label the control plane sets on a node of this pool: the pool's own, then its name, SKU, zone and
     * priority, which win over the pool's own of the same key.
     *
     * @param zone the instance's availability zone, or null for none
     */
    public Map<String, String> nodeLabels(String sku, String zone) {
        Map<String, String> all = new LinkedHashMap<>(labels);
        all.put(POOL_LABEL, name);
        if (sku != null) {
            all.put(SKU_LABEL, sku);
        }
        all.put(ZONE_LABEL, zone == null || zone.isEmpty() ? NO_ZONE : zone);
        all.put(PRIORITY_LABEL, priority.labelValue());
        return all;
    }

    /**
     * The labels a new agent will carry once it joins, as far as they are known before (its zone is not); none for a
     * pool whose nodes are not labelled.
     */
    Map<String, String> newAgentLabels(String sku) {
        if (!labelsNodes) {
            return Map.of();
        }
        Map<String, String> known = new LinkedHashMap<>(nodeLabels(sku, null));
        known.remove(ZONE_LABEL);
        return known;
    }
}
