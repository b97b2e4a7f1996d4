package io.harbormaster.drain;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Whether room can still come for a leaving node's replacements: the scale set is below its maximum (the capacity check
 * can add an agent), or agents are on the way (instances whose node is not Ready yet: creating, booting, joining or
 * rebooting). {@code seen} says what was counted, for the drain's status.
 */
public record ScaleOutOutlook(boolean possible, boolean underWay, String seen) {
    private static final Set<ScaleSetInstance.PowerState> NOT_COMING = Set.of(ScaleSetInstance.PowerState.STOPPING,
            ScaleSetInstance.PowerState.STOPPED, ScaleSetInstance.PowerState.DEALLOCATING,
            ScaleSetInstance.PowerState.DEALLOCATED);

    /** Whether waiting may yet see the replacements placed. */
    public boolean roomMayCome() {
        return possible || underWay;
    }

    /** No scale set is configured: nothing scales out, and no agent is known to be on the way. */
    public static ScaleOutOutlook withoutScaleSet() {
        return new ScaleOutOutlook(false, false, "no scale set is configured");
    }

    /**
     * The outlook from the scale set's instances and the swarm's nodes. Every listed instance counts toward the maximum,
     * one being deleted too: the capacity check scales from the scale set's capacity, which drops only once the delete
     * is done (seen in chaos scenario i: instances held by a pending Terminate). Those are not on the way, nor the
     * leaving node's own instance (its computer name is the node's hostname), nor a stopped or deallocated one.
     */
    public static ScaleOutOutlook of(List<ScaleSetInstance> instances, List<Node> nodes, String leavingHostname,
            int maxAgents) {
        List<String> coming = new ArrayList<>();
        for (ScaleSetInstance instance : instances) {
            String name = instance.computerName();
            if ("Deleting".equalsIgnoreCase(instance.provisioningState())
                    || name != null && name.equalsIgnoreCase(leavingHostname) || NOT_COMING.contains(instance.powerState())) {
                continue;
            }
            boolean ready = name != null && nodes.stream()
                    .anyMatch(node -> node.state() == Node.State.READY && name.equalsIgnoreCase(node.hostname()));
            if (!ready) {
                coming.add(name != null ? name : "instance " + instance.instanceId());
            }
        }
        boolean possible = instances.size() < maxAgents;
        String seen = "the scale set has " + instances.size() + " of at most " + maxAgents + " agents"
                + (coming.isEmpty() ? " and none is on the way" : "; on the way: " + String.join(", ", coming));
        return new ScaleOutOutlook(possible, !coming.isEmpty(), seen);
    }
}
