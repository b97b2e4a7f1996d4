package io.harbormaster.capacity;

import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import java.time.Instant;
import java.util.Locale;

/**
 * Which instances without a swarm node to delete: those that never joined within the provisioning timeout, and
 * those that once had a node and did not get one back within the rejoin grace ({@link NodelessInstanceRule} judges
 * each). Protected and stopped instances are left alone, and so is one whose node's drain is under way.
 */
final class InstanceCleanupRule {
    private InstanceCleanupRule() {
    }

    static RuleDecision<CapacityAction.DeleteInstance> decide(PlanningContext context) {
        ClusterIndex index = context.index();
        CapacityPolicy policy = context.policy();
        RuleDecision.Builder<CapacityAction.DeleteInstance> out = new RuleDecision.Builder<>(context.now());
        for (ScaleSetInstance instance : context.snapshot().instances()) {
            if (index.nodeOf(instance) != null) {
                continue;
            }
            if (policy.keepsWarm() && instance.powerState() == ScaleSetInstance.PowerState.DEALLOCATED) {
                // Warm: kept for a scale-out, never a VM that lost its node ({@link WarmPoolRule} caps them).
                continue;
            }
            String name = instance.computerName();
            Instant started = context.startedAt(instance);
            if (started != null) {
                // A warm instance a check started: it lost its node long ago, at its scale-in, and may be older than
                // any provisioning timeout; it gets one from its start, as a new VM gets one from its creation.
                Instant until = started.plus(policy.provisioningTimeout());
                out.note("warm instances starting", "instance " + instance.instanceId() + " (" + name + ") was started"
                        + " from warm at " + started + ": it may join until " + until);
                out.due(until);
                continue;
            }
            NodelessInstanceRule.Verdict verdict = NodelessInstanceRule.judge(instance,
                    context.tracking().unjoinedSince().get(instance.instanceId()),
                    context.tracking().joinedInstances().get(instance.instanceId()),
                    name == null ? null : index.latestDrainOf(name), policy, context.now());
            String what = "instance " + instance.instanceId() + " (" + name + ") " + verdict.describe(context.now());
            String topic = verdict.evidence() == null ? "instances that never joined" : "instances without their node";
            DrainStatus drain = name == null ? null : index.unfinishedDrainOf(name);
            if (!verdict.overdue()) {
                out.due(verdict.until());
                if (verdict.kind() == NodelessInstanceRule.Kind.REJOINING) {
                    out.note("instances rejoining", what + ": it may rejoin until " + verdict.until()
                            + " (rejoin grace " + HumanUnits.duration(policy.rejoinGrace()) + ")");
                }
            } else if (instance.protectedFromScaleIn()) {
                out.note(topic, what + " but is protected from scale-in: left alone");
            } else if (PlanningContext.stopped(instance)) {
                out.note(topic, what + " but is " + instance.powerState().name().toLowerCase(Locale.ROOT)
                        + ", by someone's choice: left alone");
            } else if (drain != null) {
                out.note(topic, "instance " + instance.instanceId() + " (" + name + ") has no node; "
                        + (drain.request().deleteInstance() ? "its drain deletes it"
                        : "its " + drain.request().reason().wireName() + " drain " + drain.request().requestId()
                        + " is under way: left alone"));
            } else if (verdict.kind() == NodelessInstanceRule.Kind.NEVER_JOINED) {
                out.act(new CapacityAction.DeleteInstance(instance.instanceId(), name, "instance "
                        + instance.instanceId() + " (" + name + ") is " + HumanUnits.duration(context.age(instance))
                        + " old and never joined the swarm (provisioning timeout " + HumanUnits.duration(policy.provisioningTimeout())
                        + ", provisioning state " + instance.provisioningState() + ")"));
            } else {
                out.act(new CapacityAction.DeleteInstance(instance.instanceId(), name, what
                        + " and did not rejoin within the rejoin grace of " + HumanUnits.duration(policy.rejoinGrace())
                        + " (provisioning state " + instance.provisioningState() + ", power state "
                        + instance.powerState().name().toLowerCase(Locale.ROOT) + ")"));
            }
        }
        return out.build();
    }
}
