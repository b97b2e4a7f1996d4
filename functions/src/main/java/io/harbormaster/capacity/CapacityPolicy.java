package io.harbormaster.capacity;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import java.time.Duration;
import java.util.Objects;

/**
 * The limits and thresholds the capacity planner decides by; {@code config.CapacitySettings} reads them from app
 * settings. Agent counts are scale-set instances; utilisation is a node's reservations over its resources.
 *
 * @param scaleInMode what scale-in does with a drained node's instance: delete it, or deallocate it and keep it warm
 * @param warmMax the most deallocated (warm) instances kept in {@link ScaleInMode#DEALLOCATE} mode; any beyond are
 *                deleted. They count in the scale set's capacity, so in {@code maxAgents} too
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
        boolean dryRun,
        ScaleInMode scaleInMode,
        int warmMax) {

    /** What a Standard_D2s_v5 agent (infra/cluster.json's default SKU) reports to Docker, rounded down. */
    public static final Resources DEFAULT_AGENT_SIZE = new Resources(2_000_000_000L, 7L * 1024 * 1024 * 1024);
    public static final NodeLabel DEFAULT_OPT_OUT_LABEL = new NodeLabel("io.harbormaster.scale-in", "disabled");
    public static final CapacityPolicy DEFAULTS = new CapacityPolicy(1, 10, 3, 1, 50,
            Duration.ofMinutes(10), Duration.ofMinutes(10), Duration.ofMinutes(10), Duration.ofMinutes(15),
            Duration.ofMinutes(15), Duration.ofMinutes(5), DEFAULT_AGENT_SIZE, DEFAULT_OPT_OUT_LABEL, false,
            ScaleInMode.DELETE, 3);

    /** What scale-in does with the instance of a node it drained and removed. */
    public enum ScaleInMode {
        /** Delete the instance: the scale set's capacity drops by one. */
        DELETE,
        /** Deallocate it: it keeps its disk and id, costs no compute, and a later scale-out starts it first. */
        DEALLOCATE;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A policy whose scale-in deletes instances, with as many warm instances allowed as one scale-out step. */
    public CapacityPolicy(int minAgents, int maxAgents, int maxScaleOutStep, int maxScaleInStep,
            int scaleInUtilisationPercent, Duration unneededTime, Duration scaleInDelayAfterScaleOut, Duration downNodeGrace,
            Duration provisioningTimeout, Duration rejoinGrace, Duration drainStallTimeout, Resources fallbackAgentSize,
            NodeLabel optOutLabel, boolean dryRun) {
        this(minAgents, maxAgents, maxScaleOutStep, maxScaleInStep, scaleInUtilisationPercent, unneededTime,
                scaleInDelayAfterScaleOut, downNodeGrace, provisioningTimeout, rejoinGrace, drainStallTimeout,
                fallbackAgentSize, optOutLabel, dryRun, ScaleInMode.DELETE, maxScaleOutStep);
    }

    public CapacityPolicy {
        Objects.requireNonNull(unneededTime, "unneededTime");
        Objects.requireNonNull(scaleInDelayAfterScaleOut, "scaleInDelayAfterScaleOut");
        Objects.requireNonNull(downNodeGrace, "downNodeGrace");
        Objects.requireNonNull(provisioningTimeout, "provisioningTimeout");
        Objects.requireNonNull(rejoinGrace, "rejoinGrace");
        Objects.requireNonNull(drainStallTimeout, "drainStallTimeout");
        Objects.requireNonNull(fallbackAgentSize, "fallbackAgentSize");
        Objects.requireNonNull(optOutLabel, "optOutLabel");
        Objects.requireNonNull(scaleInMode, "scaleInMode");
        if (warmMax < 0) {
            throw new IllegalArgumentException("warmMax must be at least 0, not " + warmMax);
        }
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
                fallbackAgentSize, optOutLabel, on, scaleInMode, warmMax);
    }

    public CapacityPolicy withAgents(int min, int max) {
        return new CapacityPolicy(min, max, maxScaleOutStep, maxScaleInStep, scaleInUtilisationPercent,
                unneededTime, scaleInDelayAfterScaleOut, downNodeGrace, provisioningTimeout, rejoinGrace, drainStallTimeout,
                fallbackAgentSize, optOutLabel, dryRun, scaleInMode, warmMax);
    }

    public CapacityPolicy withSteps(int scaleOut, int scaleIn) {
        return new CapacityPolicy(minAgents, maxAgents, scaleOut, scaleIn, scaleInUtilisationPercent,
                unneededTime, scaleInDelayAfterScaleOut, downNodeGrace, provisioningTimeout, rejoinGrace, drainStallTimeout,
                fallbackAgentSize, optOutLabel, dryRun, scaleInMode, warmMax);
    }

    /** The policy with another scale-in mode and cap on warm instances (a pool's {@code scaleIn} and {@code warmMax}). */
    public CapacityPolicy withScaleIn(ScaleInMode mode, int warm) {
        return new CapacityPolicy(minAgents, maxAgents, maxScaleOutStep, maxScaleInStep, scaleInUtilisationPercent,
                unneededTime, scaleInDelayAfterScaleOut, downNodeGrace, provisioningTimeout, rejoinGrace, drainStallTimeout,
                fallbackAgentSize, optOutLabel, dryRun, mode, warm);
    }

    /** Whether scale-in keeps instances warm, and scale-out starts them before it creates new ones. */
    public boolean keepsWarm() {
        return scaleInMode == ScaleInMode.DEALLOCATE;
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
