package io.harbormaster.capacity;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import java.time.Duration;
import java.util.Objects;

/**
 * The limits and thresholds the capacity planner decides by; {@code config.CapacitySettings} reads them from app
 * settings. Agent counts are scale-set instances; utilisation is a node's reservations over its resources.
 */
public record CapacityPolicy(
        int minAgents,
        int maxAgents,
        int maxScaleOutStep,
        int maxScaleInStep,
        int scaleInUtilisationPercent,
        Duration unneededTime,
        Duration scaleInDelayAfterScaleOut,
        Duration downNodeGrace,
        Duration provisioningTimeout,
        Duration rejoinGrace,
        Duration drainStallTimeout,
        Resources fallbackAgentSize,
        NodeLabel optOutLabel,
        boolean dryRun) {

    /** What a Standard_D2s_v5 agent (infra/cluster.json's default SKU) reports to Docker, rounded down. */
    public static final Resources DEFAULT_AGENT_SIZE = new Resources(2_000_000_000L, 7L * 1024 * 1024 * 1024);
    public static final NodeLabel DEFAULT_OPT_OUT_LABEL = new NodeLabel("io.harbormaster.scale-in", "disabled");
    public static final CapacityPolicy DEFAULTS = new CapacityPolicy(1, 10, 3, 1, 50,
            Duration.ofMinutes(10), Duration.ofMinutes(10), Duration.ofMinutes(10), Duration.ofMinutes(15),
            Duration.ofMinutes(15), Duration.ofMinutes(5), DEFAULT_AGENT_SIZE, DEFAULT_OPT_OUT_LABEL, false);

    public CapacityPolicy {
        Objects.requireNonNull(unneededTime, "unneededTime");
        Objects.requireNonNull(scaleInDelayAfterScaleOut, "scaleInDelayAfterScaleOut");
        Objects.requireNonNull(downNodeGrace, "downNodeGrace");
        Objects.requireNonNull(provisioningTimeout, "provisioningTimeout");
        Objects.requireNonNull(rejoinGrace, "rejoinGrace");
        Objects.requireNonNull(drainStallTimeout, "drainStallTimeout");
        Objects.requireNonNull(fallbackAgentSize, "fallbackAgentSize");
        Objects.requireNonNull(optOutLabel, "optOutLabel");
        if (minAgents < 0 || minAgents > maxAgents) {
            throw new IllegalArgumentException("minAgents must be from 0 to maxAgents (" + maxAgents + "), not " + minAgents);
        }
        if (maxScaleOutStep < 1 || maxScaleInStep < 0) {
            throw new IllegalArgumentException("maxScaleOutStep must be at least 1 and maxScaleInStep at least 0");
        }
        if (scaleInUtilisationPercent < 0 || scaleInUtilisationPercent > 100) {
            throw new IllegalArgumentException("scaleInUtilisationPercent must be from 0 to 100");
        }
        if (fallbackAgentSize.nanoCpus() <= 0 || fallbackAgentSize.memoryBytes() <= 0) {
            throw new IllegalArgumentException("fallbackAgentSize must have CPU and memory");
        }
    }

    public CapacityPolicy withDryRun(boolean on) {
        return new CapacityPolicy(minAgents, maxAgents, maxScaleOutStep, maxScaleInStep, scaleInUtilisationPercent,
                unneededTime, scaleInDelayAfterScaleOut, downNodeGrace, provisioningTimeout, rejoinGrace, drainStallTimeout,
                fallbackAgentSize, optOutLabel, on);
    }

    public CapacityPolicy withAgents(int min, int max) {
        return new CapacityPolicy(min, max, maxScaleOutStep, maxScaleInStep, scaleInUtilisationPercent,
                unneededTime, scaleInDelayAfterScaleOut, downNodeGrace, provisioningTimeout, rejoinGrace, drainStallTimeout,
                fallbackAgentSize, optOutLabel, dryRun);
    }

    public CapacityPolicy withSteps(int scaleOut, int scaleIn) {
        return new CapacityPolicy(minAgents, maxAgents, scaleOut, scaleIn, scaleInUtilisationPercent,
                unneededTime, scaleInDelayAfterScaleOut, downNodeGrace, provisioningTimeout, rejoinGrace, drainStallTimeout,
                fallbackAgentSize, optOutLabel, dryRun);
    }

    /** A node label {@code key=value}; a node carries it when it has the key with exactly that value. */
    public record NodeLabel(String key, String value) {
        public NodeLabel {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        public boolean on(Node node) {
            return value.equals(node.labels().get(key));
        }

        @Override
        public String toString() {
            return key + "=" + value;
        }
    }
}
