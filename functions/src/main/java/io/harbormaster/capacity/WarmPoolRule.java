package io.harbormaster.capacity;

import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The warm pool of a scale set whose scale-in deallocates ({@link CapacityPolicy.ScaleInMode#DEALLOCATE}): deallocated
 * instances without a node, which a scale-out starts before it raises the capacity, newest first; and those beyond
 * {@link CapacityPolicy#warmMax()}, deleted oldest first. In delete mode a deallocated instance is someone's choice and
 * left alone, as before.
 *
 * <p>Newest first and oldest deleted: creation time is what Azure reports (the time of deallocation is not), and the
 * newest instances are the likeliest to run the scale set's current model, the oldest disks the likeliest to have
 * drifted from it.
 */
final class WarmPoolRule {
    private WarmPoolRule() {
    }

    /** The warm instances this check starts, and the start action (none when it starts none). */
    record Starts(List<ScaleSetInstance> started, List<CapacityAction.StartInstances> actions, List<Note> notes)
            implements RuleOutcome {
        Starts {
            started = List.copyOf(started);
            actions = List.copyOf(actions);
            notes = List.copyOf(notes);
        }

        long count() {
            return started.size();
        }
    }

    /**
     * Warm instances, newest first: deallocated, not being deleted or started, without a node or with only its old one,
     * down, left for its drain to remove; and not the instance of a drain that has yet to deallocate it. A drain that
     * has deallocated it only removes the old node now; the started VM joins as a new one meanwhile.
     */
    static List<ScaleSetInstance> warm(PlanningContext context) {
        List<ScaleSetInstance> warm = new ArrayList<>();
        for (ScaleSetInstance instance : context.snapshot().instances()) {
            Node node = context.index().nodeOf(instance);
            DrainStatus drain = instance.computerName() == null ? null
                    : context.index().unfinishedDrainOf(instance.computerName());
            if (instance.powerState() == ScaleSetInstance.PowerState.DEALLOCATED
                    && (node == null || node.state() == Node.State.DOWN)
                    && "Succeeded".equalsIgnoreCase(instance.provisioningState())
                    && !context.startedRecently(instance)
                    && (drain == null || drain.instanceDeallocated())) {
                warm.add(instance);
            }
        }
        warm.sort(Comparator.comparing(WarmPoolRule::created).reversed());
        return warm;
    }

    /** Starts up to {@code newAgents} warm instances (at most one scale-out step), in deallocate mode only. */
    static Starts start(PlanningContext context, long newAgents, String pendingSummary) {
        CapacityPolicy policy = context.policy();
        if (!policy.keepsWarm() || newAgents <= 0) {
            return new Starts(List.of(), List.of(), List.of());
        }
        List<ScaleSetInstance> warm = warm(context);
        if (warm.isEmpty()) {
            return new Starts(List.of(), List.of(), List.of());
        }
        int n = (int) Math.min(Math.min(newAgents, policy.maxScaleOutStep()), warm.size());
        List<ScaleSetInstance> started = warm.subList(0, n);
        List<String> ids = started.stream().map(ScaleSetInstance::instanceId).toList();
        List<String> names = started.stream().map(instance -> String.valueOf(instance.computerName())).toList();
        String reason = pendingSummary + "; they pack into " + HumanUnits.count(newAgents, "new agent", "new agents")
                + ", and " + HumanUnits.count(warm.size(), "warm (deallocated) instance is", "warm (deallocated) instances are")
                + " there to start: starting " + n + " of them, newest first, before any new instance is created"
                + " (the capacity stays " + context.snapshot().scaleSet().capacity() + ")";
        return new Starts(started, List.of(new CapacityAction.StartInstances(ids, names, reason)), List.of());
    }

    /** Deletes the warm instances beyond the cap, oldest first, leaving out those this check starts. */
    static RuleDecision<CapacityAction.DeleteInstance> trim(PlanningContext context, Starts starts) {
        CapacityPolicy policy = context.policy();
        RuleDecision.Builder<CapacityAction.DeleteInstance> out = new RuleDecision.Builder<>(context.now());
        if (!policy.keepsWarm()) {
            return out.build();
        }
        Set<String> starting = new HashSet<>();
        starts.started().forEach(instance -> starting.add(instance.instanceId()));
        List<ScaleSetInstance> kept = new ArrayList<>();
        for (ScaleSetInstance instance : warm(context)) {
            if (!starting.contains(instance.instanceId())) {
                kept.add(instance);
            }
        }
        if (kept.size() <= policy.warmMax()) {
            if (!kept.isEmpty()) {
                out.note("warm instances", HumanUnits.count(kept.size(), "warm (deallocated) instance is",
                        "warm (deallocated) instances are") + " kept for the next scale-out (at most " + policy.warmMax() + ")");
            }
            return out.build();
        }
        // Oldest first: the reverse of the order they are started in.
        List<ScaleSetInstance> oldestFirst = new ArrayList<>(kept);
        java.util.Collections.reverse(oldestFirst);
        int excess = kept.size() - policy.warmMax();
        for (ScaleSetInstance instance : oldestFirst) {
            if (excess == 0) {
                break;
            }
            if (instance.protectedFromScaleIn()) {
                out.note("warm instances", "warm instance " + instance.instanceId() + " (" + instance.computerName()
                        + ") is beyond the cap but protected from scale-in: left alone");
                continue;
            }
            out.act(new CapacityAction.DeleteInstance(instance.instanceId(), instance.computerName(),
                    HumanUnits.count(kept.size(), "warm (deallocated) instance is", "warm (deallocated) instances are")
                            + " kept and the cap is " + policy.warmMax() + "; instance " + instance.instanceId()
                            + " is the oldest of them (created " + instance.createdAt() + ")"));
            excess--;
        }
        return out.build();
    }

    private static Instant created(ScaleSetInstance instance) {
        return instance.createdAt() == null ? Instant.EPOCH : instance.createdAt();
    }
}
