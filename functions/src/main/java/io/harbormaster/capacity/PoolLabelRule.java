package io.harbormaster.capacity;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pool's labels on each node of its instances: the pool's own, its name, SKU, zone and priority. The control plane
 * knows the instance's pool from the scale set that lists it; a node never claims a pool. Idempotent: a node that
 * carries them all already gets no action, so a node-joined event's check labels a new node and later checks do
 * nothing. Only the labels of the pool change; the node's others (a drain's, an operator's) are kept.
 */
final class PoolLabelRule {
    private PoolLabelRule() {
    }

    /** @param sku the pool's scale set's SKU as read this check */
    static List<CapacityAction.LabelNode> decide(Pool pool, String sku, List<Node> nodes, List<ScaleSetInstance> instances) {
        Map<String, ScaleSetInstance> byName = new HashMap<>();
        for (ScaleSetInstance instance : instances) {
            if (instance.computerName() != null) {
                byName.put(ClusterIndex.key(instance.computerName()), instance);
            }
        }
        List<CapacityAction.LabelNode> actions = new ArrayList<>();
        for (Node node : nodes) {
            ScaleSetInstance instance = node.isManager() ? null : byName.get(ClusterIndex.key(node.hostname()));
            if (instance == null) {
                continue;
            }
            // The zone comes with zones (issue 13's zone part); until the instance carries one it is "none".
            Map<String, String> wanted = pool.nodeLabels(sku, null);
            Map<String, String> missing = new LinkedHashMap<>();
            wanted.forEach((key, value) -> {
                if (!value.equals(node.labels().get(key))) {
                    missing.put(key, value);
                }
            });
            if (missing.isEmpty()) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>(node.labels());
            labels.putAll(missing);
            actions.add(new CapacityAction.LabelNode(node, pool.name(), labels, "instance " + instance.instanceId()
                    + " of scale set " + pool.scaleSetName() + " is in pool " + pool.name() + "; its node lacks " + missing));
        }
        return actions;
    }
}
