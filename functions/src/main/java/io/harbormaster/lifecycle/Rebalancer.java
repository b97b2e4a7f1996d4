package io.harbormaster.lifecycle;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.capacity.AfterPlan;
import io.harbormaster.capacity.CapacityHistory;
import io.harbormaster.capacity.CapacitySnapshot;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.ServiceVersionConflictException;
import io.harbormaster.swarm.Swarm;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * One rebalance pass, run by each capacity check after its plan: plans on the check's snapshot and carries out each
 * step as one version-guarded service update, the intent written in the same update as the scale-up. It never waits:
 * while a move is under way it asks for the next check {@link #FOLLOW_UP} later, and that pass finishes it.
 */
public final class Rebalancer implements AfterPlan {
    private static final Logger LOG = Logger.getLogger(Rebalancer.class.getName());

    /** How soon the next pass looks at a move under way: a task starts within a second or two here. */
    public static final Duration FOLLOW_UP = Duration.ofSeconds(1);
    /** After a move ended: the next one may start at once, swarm applies a scale-down within milliseconds. */
    public static final Duration NEXT_MOVE = Duration.ZERO;

    private final Swarm swarm;
    private final RebalanceSettings settings;
    private final AuditTrail audit;

    public Rebalancer(Swarm swarm, RebalanceSettings settings, AuditTrail audit) {
        this.swarm = swarm;
        this.settings = settings;
        this.audit = audit;
    }

    @Override
    public Result run(CapacitySnapshot snapshot, String hold, boolean dryRun) {
        RebalancePlan plan = RebalancePlanner.plan(RebalanceView.of(snapshot), settings, hold);
        plan.notes().forEach(note -> LOG.info("rebalance: " + note));
        Instant at = snapshot.takenAt();
        List<CapacityHistory.Decision> decisions = new ArrayList<>();
        boolean waiting = plan.underWay() > 0;
        boolean ended = false;
        for (RebalanceMove move : plan.moves()) {
            if (dryRun) {
                LOG.info("rebalance (dry run, not done): " + move.summary() + ": " + move.reason());
                decisions.add(new CapacityHistory.Decision(at, move.summary(), move.reason(), true));
                continue;
            }
            try {
                act(move);
            } catch (ServiceVersionConflictException | IllegalArgumentException e) {
                // Changed or gone since the snapshot: the next pass decides on what it is now.
                LOG.info("rebalance: " + move.summary() + " not done: " + e.getMessage());
                ended = true;
                continue;
            } catch (RuntimeException e) {
                LOG.warning("rebalance: " + move.summary() + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
                decisions.add(new CapacityHistory.Decision(at, move.summary() + " (failed)",
                        move.reason() + "; failed: " + e.getMessage(), false));
                waiting = true;
                continue;
            }
            LOG.info("rebalance: " + move.summary() + ": " + move.reason());
            decisions.add(new CapacityHistory.Decision(at, move.summary(), move.reason(), false));
            audit.record(event(move, at));
            // A started move is finished by a later pass; after an ended one the next move may start.
            if (move instanceof RebalanceMove.Start) {
                waiting = true;
            } else {
                ended = true;
            }
        }
        if (dryRun) {
            return new Result(decisions, Optional.empty());
        }
        Optional<Duration> next = waiting ? Optional.of(FOLLOW_UP) : ended ? Optional.of(NEXT_MOVE) : Optional.empty();
        return new Result(decisions, next);
    }

    private void act(RebalanceMove move) {
        Service service = move.service();
        if (move instanceof RebalanceMove.Start start) {
            swarm.updateReplicas(service, start.intent().originalReplicas() + 1, start.intent().labelsOn(service));
        } else if (move instanceof RebalanceMove.Finish finish) {
            swarm.updateReplicas(service, finish.intent().originalReplicas(), MoveIntent.labelsWithout(service));
        } else if (move instanceof RebalanceMove.DropIntent) {
            swarm.updateReplicas(service, service.replicas(), MoveIntent.labelsWithout(service));
        } else {
            throw new IllegalArgumentException("unknown move " + move);
        }
    }

    private static AuditEvent event(RebalanceMove move, Instant at) {
        Service service = move.service();
        if (move instanceof RebalanceMove.Start start) {
            return AuditEvent.of(at, AuditKind.REBALANCE_MOVE, service.name(), move.reason(), "step", "start",
                    "from", start.from(), "to", start.to(),
                    "replicas", Long.toString(start.intent().originalReplicas() + 1));
        }
        if (move instanceof RebalanceMove.Finish finish) {
            return AuditEvent.of(at, AuditKind.REBALANCE_MOVE, service.name(), move.reason(),
                    "step", finish.undo() ? "undo" : "finish", "replicas", Long.toString(finish.intent().originalReplicas()));
        }
        return AuditEvent.of(at, AuditKind.REBALANCE_MOVE, service.name(), move.reason(), "step", "drop",
                "replicas", Long.toString(service.replicas()));
    }
}
