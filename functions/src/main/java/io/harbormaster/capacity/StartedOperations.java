package io.harbormaster.capacity;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The ARM operations earlier checks started without waiting, looked at in a new snapshot: a check never blocks on
 * Azure, and the next one sees from the scale set itself whether the operation is still under way, done or lost.
 */
final class StartedOperations {
    /** How the decision for an operation that ended otherwise than planned ends: "set capacity to 3 did not finish". */
    private static final String UNFINISHED = " did not finish";

    private StartedOperations() {
    }

    /** The kind of operation whose unfinished end {@code decision} records, or empty for any other decision. */
    static java.util.Optional<CapacityHistory.Operation.Kind> unfinished(CapacityHistory.Decision decision) {
        return decision.action().endsWith(UNFINISHED)
                ? CapacityHistory.Operation.Kind.ofSummary(decision.action()) : java.util.Optional.empty();
    }

    /** What is still under way, and a decision for each operation that ended otherwise than planned. */
    record Review(List<CapacityHistory.Operation> underWay, List<CapacityHistory.Decision> ended) {
    }

    /** @param followFor how long an operation is followed; after it, it is reported and forgotten */
    static Review review(List<CapacityHistory.Operation> operations, CapacitySnapshot snapshot, Duration followFor, Instant now) {
        List<CapacityHistory.Operation> underWay = new ArrayList<>();
        List<CapacityHistory.Decision> ended = new ArrayList<>();
        for (CapacityHistory.Operation operation : operations) {
            boolean overdue = !now.isBefore(operation.startedAt().plus(followFor));
            String problem;
            if (operation.kind() == CapacityHistory.Operation.Kind.SET_CAPACITY) {
                String state = snapshot.scaleSet().provisioningState();
                long capacity = snapshot.scaleSet().capacity();
                if (updating(state)) {
                    problem = overdue ? "the scale set is still " + state + " after " + HumanUnits.duration(followFor) : null;
                    if (problem == null) {
                        underWay.add(operation);
                        continue;
                    }
                } else if ("Failed".equalsIgnoreCase(state)) {
                    problem = "the scale set's provisioning state is Failed";
                } else if (capacity < operation.toCapacity()) {
                    problem = "the scale set's capacity is " + capacity + " (changed since, or the write did not take)";
                } else {
                    problem = null;
                }
            } else if (operation.kind() == CapacityHistory.Operation.Kind.START_INSTANCE) {
                ScaleSetInstance instance = instance(snapshot, operation.instanceId());
                if (instance == null) {
                    problem = "the instance is gone";
                } else if (joined(snapshot, instance)) {
                    problem = null;
                } else if (!overdue) {
                    // Starting, booting or joining: the planner counts it as an agent on its way until it joins.
                    underWay.add(operation);
                    continue;
                } else {
                    problem = "it has not joined the swarm after " + HumanUnits.duration(followFor) + " (power state "
                            + instance.powerState().name().toLowerCase(java.util.Locale.ROOT) + ")";
                }
            } else {
                ScaleSetInstance instance = instance(snapshot, operation.instanceId());
                if (instance == null) {
                    problem = null;
                } else if ("Deleting".equalsIgnoreCase(instance.provisioningState()) && !overdue) {
                    underWay.add(operation);
                    continue;
                } else {
                    problem = "the instance still exists (provisioning state " + instance.provisioningState() + ")";
                }
            }
            if (problem != null) {
                ended.add(new CapacityHistory.Decision(now, operation.summary() + UNFINISHED,
                        "started at " + operation.startedAt() + " and not waited for; " + problem
                                + ". The planner decides again from what is there now", false));
            }
        }
        return new Review(underWay, ended);
    }

    /** Whether a ready node carries the instance's computer name: a started warm instance rejoined. */
    private static boolean joined(CapacitySnapshot snapshot, ScaleSetInstance instance) {
        for (Node node : snapshot.nodes()) {
            if (node.state() == Node.State.READY && node.hostname().equalsIgnoreCase(String.valueOf(instance.computerName()))) {
                return true;
            }
        }
        return false;
    }

    private static boolean updating(String provisioningState) {
        return "Updating".equalsIgnoreCase(provisioningState) || "Creating".equalsIgnoreCase(provisioningState);
    }

    private static ScaleSetInstance instance(CapacitySnapshot snapshot, String instanceId) {
        for (ScaleSetInstance instance : snapshot.instances()) {
            if (instance.instanceId().equals(instanceId)) {
                return instance;
            }
        }
        return null;
    }
}
