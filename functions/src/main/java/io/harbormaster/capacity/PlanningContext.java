package io.harbormaster.capacity;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.NodePlatform;
import io.harbormaster.swarm.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What every rule of one check reads, and nothing a rule decides: the check's inputs and what is computed from them
 * once (the index, the tracked clocks, what a new agent is, the scale-out that counts last). Rules hand their
 * decisions on as return values; none writes here.
 *
 * @param latestScaleOut the scale-out the scale-in delay counts from: one from outside, or else our last, or null
 * @param outsideScaleOut a capacity raised since the last check by someone else, or null
 * @param expectation a capacity announced from outside that still counts, or null
 * @param newAgentLabels the labels a new agent will carry once it joins: its pool's, none for the single scale set
 * @param newAgentPlatform the platform a new agent will report: its pool's
 */
record PlanningContext(
        CapacitySnapshot snapshot,
        CapacityPolicy policy,
        CapacityHistory history,
        Instant now,
        ClusterIndex index,
        Tracking tracking,
        AgentSize newAgent,
        CapacityHistory.ScaleOutRecord latestScaleOut,
        CapacityHistory.ScaleOutRecord outsideScaleOut,
        CapacityHistory.Expectation expectation,
        Map<String, String> newAgentLabels,
        NodePlatform newAgentPlatform) {

    static PlanningContext of(CapacitySnapshot snapshot, CapacityPolicy policy, CapacityHistory history, Instant now) {
        return of(snapshot, policy, history, now, Map.of());
    }

    static PlanningContext of(CapacitySnapshot snapshot, CapacityPolicy policy, CapacityHistory history, Instant now,
            Map<String, String> newAgentLabels) {
        return of(snapshot, new ClusterIndex(snapshot), policy, history, now, newAgentLabels);
    }

    /** @param index the snapshot's index: a pool's, over the fleet's, which the check built once */
    static PlanningContext of(CapacitySnapshot snapshot, ClusterIndex index, CapacityPolicy policy, CapacityHistory history,
            Instant now, Map<String, String> newAgentLabels) {
        return of(snapshot, index, policy, history, now, newAgentLabels, Pool.DEFAULT_PLATFORM);
    }

    /** @param newAgentPlatform what a new agent of the pool reports as its platform */
    static PlanningContext of(CapacitySnapshot snapshot, ClusterIndex index, CapacityPolicy policy, CapacityHistory history,
            Instant now, Map<String, String> newAgentLabels, NodePlatform newAgentPlatform) {
        CapacityHistory.ScaleOutRecord outside = OutsideScaleOut.detect(history, snapshot.scaleSet().capacity(), now);
        return new PlanningContext(snapshot, policy, history, now, index,
                Tracking.of(snapshot, index, policy, history, now),
                AgentSize.measure(snapshot, index, policy, newAgentLabels, newAgentPlatform),
                outside != null ? outside : history.lastScaleOut(), outside, expectation(history, policy, now),
                Map.copyOf(newAgentLabels), newAgentPlatform);
    }

    /** An announced capacity counts until the change could have happened: one provisioning timeout. */
    private static CapacityHistory.Expectation expectation(CapacityHistory history, CapacityPolicy policy, Instant now) {
        CapacityHistory.Expectation expected = history.expectedCapacity();
        if (expected == null || !now.isBefore(expected.at().plus(policy.provisioningTimeout()))) {
            return null;
        }
        return expected;
    }

    /** How long the instance has existed; when Azure reports no creation time, how long it has been seen nodeless. */
    Duration age(ScaleSetInstance instance) {
        Instant since = instance.createdAt() != null
                ? instance.createdAt()
                : tracking.unjoinedSince().getOrDefault(instance.instanceId(), now);
        return Duration.between(since, now);
    }

    /** Stopped or deallocated, by someone's choice: such an instance is neither joining nor to be deleted. */
    static boolean stopped(ScaleSetInstance instance) {
        return switch (instance.powerState()) {
            case STOPPING, STOPPED, DEALLOCATING, DEALLOCATED -> true;
            default -> false;
        };
    }

    /**
     * Whether a check started this (warm) instance within the provisioning timeout: it is an agent on its way, not a
     * VM that lost its node, and it is not started again.
     */
    boolean startedRecently(ScaleSetInstance instance) {
        return startedAt(instance) != null;
    }

    /** When a check started this instance, within the provisioning timeout; null when none did. */
    Instant startedAt(ScaleSetInstance instance) {
        for (CapacityHistory.Operation operation : history.operations()) {
            if (operation.kind() == CapacityHistory.Operation.Kind.START_INSTANCE
                    && operation.instanceId().equals(instance.instanceId())
                    && now.isBefore(operation.startedAt().plus(policy.provisioningTimeout()))) {
                return operation.startedAt();
            }
        }
        return null;
    }

    /** The service's name for notes and reasons, or its id when it has none or is not in the snapshot. */
    String serviceName(String serviceId) {
        Service service = index.service(serviceId);
        return service == null || service.name().isEmpty() ? String.valueOf(serviceId) : service.name();
    }
}
