package io.harbormaster.capacity;

import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.swarm.Node;
import java.time.Instant;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Drains left half-done: a node set to drain by a request whose status is gone, and drains whose status has not
 * moved within the stall timeout (their message was lost). Each is resumed once, whether found by its node's label
 * or by its status.
 */
final class ResumeDrainRule {
    private ResumeDrainRule() {
    }

    static RuleDecision<CapacityAction.ResumeDrain> decide(PlanningContext context) {
        ClusterIndex index = context.index();
        RuleDecision.Builder<CapacityAction.ResumeDrain> out = new RuleDecision.Builder<>(context.now());
        Set<String> resumed = new HashSet<>();
        for (Node node : context.snapshot().nodes()) {
            String requestId = node.labels().get(DrainProgress.REQUEST_LABEL);
            if (requestId == null) {
                continue;
            }
            DrainStatus status = index.drain(requestId);
            String name = node.hostname();
            Node successor = index.successorOf(node);
            if (status == null && successor != null) {
                // The drain status is kept per hostname: a drain of the newer node replaced this one's. Resuming it
                // would replace that drain in turn (the two would supersede each other, check after check). Once this
                // node is down, the down-node rule removes it.
                out.note("drains of re-created nodes", "node " + name + " (" + node.id() + ") carries the label of drain "
                        + requestId + ", but node " + successor.id() + " has taken its name since: not resumed");
            } else if (status == null) {
                if (node.availability() == Node.Availability.DRAIN) {
                    resumed.add(requestId);
                    out.act(new CapacityAction.ResumeDrain(name, node.id(), requestId, "node " + name
                            + " is set to drain by request " + requestId + " but no drain status of that request exists: left half-done"));
                } else {
                    out.note("stale drain labels", "node " + name + " carries the label of drain " + requestId
                            + " but is " + node.availability().name().toLowerCase(Locale.ROOT) + " and no such drain is known: someone re-activated it; left alone");
                }
            } else if (!status.finished()) {
                if (stalled(context, status, out)) {
                    resumed.add(requestId);
                    out.act(resumeStalled(context, status, node.id()));
                }
            } else if (status.state() == DrainState.FAILED && node.availability() == Node.Availability.DRAIN) {
                out.note("failed drains", "drain " + requestId + " of " + name + " failed (" + status.failure()
                        + "); the node stays drained" + (status.request().reason() == DrainReason.SCALE_IN
                        ? " until capacity is needed, when it is reactivated" : ""));
            }
        }
        for (DrainStatus status : index.drains()) {
            if (!status.finished() && !resumed.contains(status.request().requestId()) && stalled(context, status, out)) {
                resumed.add(status.request().requestId());
                out.act(resumeStalled(context, status, status.request().nodeId()));
            }
        }
        return out.build();
    }

    /** Whether the drain has made no progress within the stall timeout; until then, the timeout is a deadline. */
    private static boolean stalled(PlanningContext context, DrainStatus status, RuleDecision.Builder<?> out) {
        Instant deadline = status.updatedAt().plus(context.policy().drainStallTimeout());
        out.due(deadline);
        return !context.now().isBefore(deadline);
    }

    private static CapacityAction.ResumeDrain resumeStalled(PlanningContext context, DrainStatus status, String nodeId) {
        return new CapacityAction.ResumeDrain(status.request().hostname(), nodeId, status.request().requestId(),
                "drain " + status.request().requestId() + " of " + status.request().hostname() + " is "
                        + status.state().wireName() + " with no progress since " + status.updatedAt() + " (stall timeout "
                        + HumanUnits.duration(context.policy().drainStallTimeout()) + "): its message was lost");
    }
}
