package io.harbormaster.capacity;

import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Which down nodes to remove from the swarm: workers down past the grace whose instance is gone and that no drain
 * will remove. Managers are never removed (quorum is a person's decision), nor a node whose instance still exists.
 */
final class DownNodeRule {
    private DownNodeRule() {
    }

    static RuleDecision<CapacityAction.RemoveDownNode> decide(PlanningContext context) {
        ClusterIndex index = context.index();
        CapacityPolicy policy = context.policy();
        RuleDecision.Builder<CapacityAction.RemoveDownNode> out = new RuleDecision.Builder<>(context.now());
        for (Node node : context.snapshot().nodes()) {
            if (node.state() != Node.State.DOWN) {
                continue;
            }
            String name = node.hostname();
            Instant since = context.tracking().downSince().get(node.id());
            Duration down = Duration.between(since, context.now());
            ScaleSetInstance instance = index.instanceOf(node);
            if (node.isManager()) {
                out.note("down managers", "manager " + name + " is down for " + HumanUnits.duration(down)
                        + "; managers are never removed here (quorum is a person's decision)");
            } else if (instance != null) {
                out.note("down nodes with an instance", "node " + name + " is down for " + HumanUnits.duration(down)
                        + " but its instance " + instance.instanceId() + " exists ("
                        + instance.powerState().name().toLowerCase(Locale.ROOT) + "): left alone");
            } else if (index.unfinishedDrainOf(name) != null
                    && node.id().equals(index.unfinishedDrainOf(name).request().nodeId())) {
                out.note("down nodes with a drain", "node " + name + " is down; its drain removes it");
            } else if (down.compareTo(policy.downNodeGrace()) < 0) {
                out.note("down nodes", "node " + name + " down for " + HumanUnits.duration(down) + " of "
                        + HumanUnits.duration(policy.downNodeGrace()) + " and no instance is named " + name);
                out.due(since.plus(policy.downNodeGrace()));
            } else {
                out.act(new CapacityAction.RemoveDownNode(node.id(), name, "node " + name + " has been down for "
                        + HumanUnits.duration(down) + " (grace " + HumanUnits.duration(policy.downNodeGrace())
                        + ") and the scale set has no instance named " + name));
            }
        }
        return out.build();
    }
}
