package io.harbormaster.capacity;

import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which under-utilised nodes may be scaled in now, and how many: none while tasks are pending for lack of resources
 * or within the delay after a scale-out; of the rest, nodes under the threshold for the unneeded time that are
 * scale-set agents, not opted out, not protected, not draining and not recently given back; at most the scale-in
 * step at a time, and never below the minimum. {@link ScaleInNodeSelector} picks among them.
 */
final class ScaleInRule {
    private ScaleInRule() {
    }

    /** A node eligible for scale-in: its utilisation and how long it has been under the threshold. */
    record Candidate(Node node, double utilisation, Duration under) {
    }

    /**
     * The nodes a scale-in may pick from now, and how many it may pick.
     *
     * @param candidates the eligible nodes, in the snapshot's order; empty when none may go now
     * @param allowed how many of them may go now
     * @param limit what bounds {@code allowed}, for the note about the nodes that wait
     */
    record Eligible(List<Candidate> candidates, int allowed, String limit, List<Note> notes, Instant due)
            implements RuleOutcome {
        Eligible {
            candidates = List.copyOf(candidates);
            notes = List.copyOf(notes);
        }
    }

    static Eligible decide(PlanningContext context, boolean capacityNeeded) {
        CapacityPolicy policy = context.policy();
        Instant now = context.now();
        Tracking tracking = context.tracking();
        RuleDecision.Builder<CapacityAction> out = new RuleDecision.Builder<>(now);
        if (capacityNeeded) {
            if (!tracking.underUtilisedSince().isEmpty()) {
                out.note(HumanUnits.count(tracking.underUtilisedSince().size(), "node is", "nodes are")
                        + " under-utilised, but scale-in waits while tasks are pending for lack of resources");
            }
            return none(out);
        }
        if (policy.maxScaleInStep() == 0 || policy.scaleInUtilisationPercent() == 0) {
            return none(out);
        }
        List<Node> underUtilised = new ArrayList<>();
        for (Node node : context.snapshot().nodes()) {
            if (tracking.underUtilisedSince().containsKey(node.id())) {
                underUtilised.add(node);
            }
        }
        if (underUtilised.isEmpty()) {
            return none(out);
        }
        CapacityHistory.ScaleOutRecord last = context.latestScaleOut();
        if (last != null && now.isBefore(last.at().plus(policy.scaleInDelayAfterScaleOut()))) {
            Instant until = last.at().plus(policy.scaleInDelayAfterScaleOut());
            out.note(HumanUnits.count(underUtilised.size(), "node is", "nodes are") + " under-utilised, but no scale-in until "
                    + until + ": " + HumanUnits.duration(policy.scaleInDelayAfterScaleOut()) + " after the scale-out at " + last.at());
            out.due(until);
            return none(out);
        }
        List<Candidate> eligible = new ArrayList<>();
        for (Node node : underUtilised) {
            Candidate candidate = judge(context, node, out);
            if (candidate != null) {
                eligible.add(candidate);
            }
        }
        if (eligible.isEmpty()) {
            return none(out);
        }
        Set<String> scaleInsUnderWay = new HashSet<>();
        for (DrainStatus status : context.index().drains()) {
            if (!status.finished() && status.request().reason() == DrainReason.SCALE_IN) {
                scaleInsUnderWay.add(ClusterIndex.key(status.request().hostname()));
            }
        }
        int byStep = policy.maxScaleInStep() - scaleInsUnderWay.size();
        if (byStep <= 0) {
            out.note(HumanUnits.count(eligible.size(), "node is", "nodes are") + " eligible for scale-in, but "
                    + HumanUnits.count(scaleInsUnderWay.size(), "scale-in is", "scale-ins are") + " under way (at most "
                    + policy.maxScaleInStep() + " at a time)");
            return none(out);
        }
        int readyAgents = readyAgents(context);
        int byMinimum = readyAgents - policy.minAgents();
        if (byMinimum <= 0) {
            out.note(HumanUnits.count(eligible.size(), "node is", "nodes are") + " eligible for scale-in, but "
                    + HumanUnits.count(readyAgents, "agent is", "agents are") + " ready and the minimum is " + policy.minAgents());
            return none(out);
        }
        return new Eligible(eligible, Math.min(byStep, byMinimum), byStep <= byMinimum
                ? "at most " + policy.maxScaleInStep() + " at a time"
                : "the minimum of " + policy.minAgents() + " agents", out.notes(), out.due());
    }

    private static Eligible none(RuleDecision.Builder<CapacityAction> out) {
        return new Eligible(List.of(), 0, "", out.notes(), out.due());
    }

    /** The node as a candidate, or null with a note (and a deadline, when it only has to wait) saying why not. */
    private static Candidate judge(PlanningContext context, Node node, RuleDecision.Builder<CapacityAction> out) {
        CapacityPolicy policy = context.policy();
        ClusterIndex index = context.index();
        String name = node.hostname();
        double utilisation = index.utilisation(node);
        Instant since = context.tracking().underUtilisedSince().get(node.id());
        Duration under = Duration.between(since, context.now());
        ScaleSetInstance instance = index.instanceOf(node);
        Instant givenBackUntil = givenBackUntil(context, node);
        if (policy.optOutLabel().on(node)) {
            out.note("nodes opted out", "node " + name + " is under-utilised but opted out of scale-in (label "
                    + policy.optOutLabel() + ")");
        } else if (instance == null) {
            out.note("nodes outside the scale set", "node " + name + " is under-utilised but no scale-set instance is named "
                    + name + ": not a scale-in candidate");
        } else if (index.sharesComputerName(instance)) {
            out.note("nodes sharing an instance name", "node " + name + " is under-utilised but more than one instance"
                    + " is named " + name + ": which one would go is not clear, not a scale-in candidate");
        } else if (instance.protectedFromScaleIn()) {
            out.note("protected nodes", "node " + name + " is under-utilised but its instance " + instance.instanceId()
                    + " is protected from scale-in");
        } else if (index.unfinishedDrainOf(name) != null) {
            out.note("nodes with a drain", "node " + name + " is under-utilised and already has a drain under way");
        } else if (givenBackUntil != null) {
            out.note("nodes given back", "node " + name + " is under-utilised but its last drain timed out with tasks"
                    + " still on it and gave it back at " + index.latestDrainOf(name).updatedAt()
                    + "; not scaled in again before " + givenBackUntil);
            out.due(givenBackUntil);
        } else if (under.compareTo(policy.unneededTime()) < 0) {
            out.note("under-utilised nodes", "node " + name + " under-utilised (" + HumanUnits.percent(utilisation)
                    + ") for " + HumanUnits.duration(under) + " of " + HumanUnits.duration(policy.unneededTime()));
            out.due(since.plus(policy.unneededTime()));
        } else {
            return new Candidate(node, utilisation, under);
        }
        return null;
    }

    /** Ready, schedulable scale-set agents: what the minimum counts. */
    private static int readyAgents(PlanningContext context) {
        int n = 0;
        for (Node node : context.snapshot().nodes()) {
            if (node.state() == Node.State.READY && node.availability() != Node.Availability.DRAIN
                    && context.index().instanceOf(node) != null && !node.isManager()) {
                n++;
            }
        }
        return n;
    }

    /**
     * When a node whose drain timed out and gave it back may be scaled in again: the unneeded time counted from
     * the give-back, so it is never picked at once, even when no check saw it draining to restart its clock.
     * Null when that time is over or its last drain ended otherwise.
     */
    private static Instant givenBackUntil(PlanningContext context, Node node) {
        DrainStatus last = context.index().latestDrainOf(node.hostname());
        if (last == null || last.state() != DrainState.REACTIVATED || !last.finished()) {
            return null;
        }
        Instant until = last.updatedAt().plus(context.policy().unneededTime());
        return context.now().isBefore(until) ? until : null;
    }
}
