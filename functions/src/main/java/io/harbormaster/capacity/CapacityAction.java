package io.harbormaster.capacity;

import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.InstanceEnd;
import java.util.List;
import io.harbormaster.swarm.Node;
import java.util.Map;
import java.util.Objects;

/** One step of a {@link CapacityPlan}, with the reason a person reading the log needs to trust it. */
public sealed interface CapacityAction {
    String reason();

    /** The action in a few words, e.g. {@code scale out 3 -> 5}. */
    String summary();

    /** Whether the action can take capacity away; the guard withholds these on a doubtful read. */
    boolean destructive();

    /**
     * Raise the scale set's capacity from {@code fromCapacity} (the value read, whose ETag the write must match)
     * to {@code toCapacity}. Never lower: scale-in deletes named instances instead.
     */
    record ScaleOut(long fromCapacity, long toCapacity, String reason) implements CapacityAction {
        public ScaleOut {
            if (toCapacity <= fromCapacity) {
                throw new IllegalArgumentException("a scale-out raises capacity: " + fromCapacity + " -> " + toCapacity);
            }
        }

        @Override
        public String summary() {
            return "scale out " + fromCapacity + " -> " + toCapacity;
        }

        @Override
        public boolean destructive() {
            // A capacity written from a bad read can be lower than the real one, and Azure then deletes VMs.
            return true;
        }
    }

    /**
     * Enqueue a drain of the node for scale-in; the drain worker then deletes exactly its instance,
     * {@code instanceId}, the one instance the check's listing names as the node's hostname.
     */
    record RequestDrain(String hostname, String nodeId, String instanceId, InstanceEnd instanceEnd, String reason)
            implements CapacityAction {
        public RequestDrain {
            Objects.requireNonNull(instanceId, "instanceId");
            if (instanceEnd != InstanceEnd.DELETE && instanceEnd != InstanceEnd.DEALLOCATE) {
                throw new IllegalArgumentException("a scale-in deletes or deallocates its instance, not " + instanceEnd);
            }
        }

        /** A scale-in that deletes the instance. */
        public RequestDrain(String hostname, String nodeId, String instanceId, String reason) {
            this(hostname, nodeId, instanceId, InstanceEnd.DELETE, reason);
        }

        public DrainReason drainReason() {
            return DrainReason.SCALE_IN;
        }

        public boolean deleteInstance() {
            return instanceEnd == InstanceEnd.DELETE;
        }

        @Override
        public String summary() {
            return "drain " + hostname + " and " + (deleteInstance() ? "delete" : "deallocate") + " its instance";
        }

        @Override
        public boolean destructive() {
            return true;
        }
    }

    /**
     * Cancel the scale-in drain {@code drainRequestId} and set the node active again, its drain label removed.
     * The drain's status must be finished first, or the drain worker sets the node to drain again.
     */
    record ReactivateNode(Node node, String drainRequestId, String reason) implements CapacityAction {
        @Override
        public String summary() {
            return "reactivate " + node.hostname();
        }

        @Override
        public boolean destructive() {
            return false;
        }
    }

    /** Remove a worker node that has been down past the grace period and has no instance any more. */
    record RemoveDownNode(String nodeId, String hostname, String reason) implements CapacityAction {
        @Override
        public String summary() {
            return "remove down node " + hostname + " (" + nodeId + ")";
        }

        @Override
        public boolean destructive() {
            return true;
        }
    }

    /** Delete an instance that never joined the swarm within the provisioning timeout. */
    record DeleteInstance(String instanceId, String computerName, String reason) implements CapacityAction {
        @Override
        public String summary() {
            return "delete instance " + instanceId + " (" + computerName + ")";
        }

        @Override
        public boolean destructive() {
            return true;
        }
    }

    /**
     * Start deallocated (warm) instances instead of raising the capacity: they keep their disks and ids, boot, and
     * their agents join the swarm afresh.
     */
    record StartInstances(List<String> instanceIds, List<String> computerNames, String reason) implements CapacityAction {
        public StartInstances {
            instanceIds = List.copyOf(instanceIds);
            computerNames = List.copyOf(computerNames);
            if (instanceIds.isEmpty()) {
                throw new IllegalArgumentException("a start names at least one instance");
            }
        }

        @Override
        public String summary() {
            return "start warm " + (instanceIds.size() == 1 ? "instance " : "instances ") + String.join(", ", instanceIds)
                    + " (" + String.join(", ", computerNames) + ")";
        }

        @Override
        public boolean destructive() {
            // It adds running agents and takes nothing away; the capacity stays as it is.
            return false;
        }
    }

    /**
     * Move a half-done drain on: send its message again at the status's current step when its status exists, or,
     * when the status is gone, submit a new drain of the node.
     */
    record ResumeDrain(String hostname, String nodeId, String requestId, String reason) implements CapacityAction {
        @Override
        public String summary() {
            return "resume drain " + requestId + " of " + hostname;
        }

        @Override
        public boolean destructive() {
            return true;
        }
    }

    /**
     * Set the labels of its pool on a node of the pool's instance: the node's full label set after the change, written
     * against the node's version as read (a conflict waits for the next check, which reads it again).
     */
    record LabelNode(Node node, String pool, Map<String, String> labels, String reason) implements CapacityAction {
        public LabelNode {
            Objects.requireNonNull(node, "node");
            labels = Map.copyOf(labels);
        }

        @Override
        public String summary() {
            return "label " + node.hostname() + " as pool " + pool;
        }

        @Override
        public boolean destructive() {
            return false;
        }
    }
}
