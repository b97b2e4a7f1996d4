package io.harbormaster.capacity;

import io.harbormaster.drain.DrainOrder;
import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.drain.DrainStatusStore;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.scaleset.ScaleSetConflictException;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.NodeNotFoundException;
import io.harbormaster.swarm.NodeStillUpException;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Swarm;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/** One capacity check: take the lease, snapshot, plan, act (unless dry-run), store the next history. */
public final class CapacityCheck {
    private static final Logger LOG = Logger.getLogger(CapacityCheck.class.getName());

    /** What a check did: the plan, and for each action whether it was carried out. */
    public record Outcome(Optional<CapacityPlan> plan, List<String> done, List<String> failed, String skipped) {
        static Outcome skipped(String why) {
            return new Outcome(Optional.empty(), List.of(), List.of(), why);
        }
    }

    private final Swarm swarm;
    private final ScaleSet scaleSet;
    private final DrainStatusStore drainStatuses;
    private final DrainRequests drains;
    private final CapacityState state;
    private final CapacityPolicy policy;
    private final Clock clock;

    public CapacityCheck(Swarm swarm, ScaleSet scaleSet, DrainStatusStore drainStatuses, DrainRequests drains,
            CapacityState state, CapacityPolicy policy, Clock clock) {
        this.swarm = swarm;
        this.scaleSet = scaleSet;
        this.drainStatuses = drainStatuses;
        this.drains = drains;
        this.state = state;
        this.policy = policy;
        this.clock = clock;
    }

    public Outcome run() {
        return run(Optional.empty());
    }

    /**
     * @param expectedCapacity a capacity Azure Monitor announced (autoscale webhook): the guard then takes the
     *                         change as expected instead of as a bad read
     */
    public Outcome run(Optional<Long> expectedCapacity) {
        Optional<CapacityState.Lease> lease = state.tryAcquire();
        if (lease.isEmpty()) {
            LOG.info("capacity check skipped: another check holds the lease");
            return Outcome.skipped("another check holds the lease");
        }
        try (CapacityState.Lease held = lease.get()) {
            CapacitySnapshot snapshot = snapshot();
            CapacityHistory history = state.readHistory();
            if (expectedCapacity.isPresent()) {
                history = history.withExpectedCapacity(expectedCapacity.get(), clock.instant());
            }
            CapacityPlan plan = CapacityPlanner.plan(snapshot, policy, history, clock.instant());
            plan.notes().forEach(note -> LOG.info("capacity: " + note));
            List<String> done = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (CapacityAction action : plan.actions()) {
                if (plan.dryRun()) {
                    LOG.info("capacity (dry run, not done): " + action.summary() + ": " + action.reason());
                    continue;
                }
                try {
                    act(action, snapshot.scaleSet());
                    done.add(action.summary());
                    LOG.info("capacity: " + action.summary() + ": " + action.reason());
                } catch (RuntimeException e) {
                    // One failed action must not stop the others; the next check sees what is left and plans again.
                    failed.add(action.summary() + ": " + e.getMessage());
                    LOG.warning("capacity: " + action.summary() + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
            state.writeHistory(plan.history());
            // After the plan, so this check planned with what the last one saw; in a dry run too, as it touches only
            // our own records of drains long over, and a cluster run dry for months must not pile them up either.
            drains.expireFinished(snapshot.drains(), drainLabelsInUse(snapshot));
            return new Outcome(Optional.of(plan), done, failed, null);
        }
    }

    /** A constant number of calls however big the cluster: 3 to Docker, 1 plus one per page to ARM, 1 list of blobs. */
    CapacitySnapshot snapshot() {
        List<Service> services = swarm.services();
        return new CapacitySnapshot(
                swarm.nodes(),
                swarm.desiredRunningTasks(services.stream().map(Service::id).toList()),
                services,
                scaleSet.describe(),
                scaleSet.instances(),
                // One status per node, the latest: the unfinished ones and those of nodes still carrying our label.
                drainStatuses.list(),
                clock.instant());
    }

    private static Set<String> drainLabelsInUse(CapacitySnapshot snapshot) {
        Set<String> requestIds = new HashSet<>();
        for (Node node : snapshot.nodes()) {
            String requestId = node.labels().get(DrainProgress.REQUEST_LABEL);
            if (requestId != null) {
                requestIds.add(requestId);
            }
        }
        return requestIds;
    }

    private void act(CapacityAction action, ScaleSetModel read) {
        if (action instanceof CapacityAction.ScaleOut scaleOut) {
            try {
                scaleSet.setCapacity(scaleOut.toCapacity(), read.etag());
            } catch (ScaleSetConflictException e) {
                throw new IllegalStateException("the scale set changed since it was read; the next check re-plans", e);
            }
        } else if (action instanceof CapacityAction.RequestDrain drain) {
            // The instance the planner matched to the node in this check's listing: no second listing to find it.
            drains.submit(drain.nodeId(), new DrainOrder(DrainReason.SCALE_IN, true, Optional.empty()),
                    new DrainRequests.ListedInstance(drain.instanceId(), drain.hostname()));
        } else if (action instanceof CapacityAction.ReactivateNode reactivate) {
            if (!drains.cancel(reactivate.node(), reactivate.drainRequestId())) {
                throw new IllegalStateException("drain " + reactivate.drainRequestId() + " is no longer under way");
            }
        } else if (action instanceof CapacityAction.RemoveDownNode remove) {
            try {
                swarm.removeNode(remove.nodeId());
            } catch (NodeNotFoundException gone) {
                LOG.fine(gone.getMessage());
            } catch (NodeStillUpException up) {
                throw new IllegalStateException("node " + remove.hostname() + " is up again", up);
            }
        } else if (action instanceof CapacityAction.DeleteInstance delete) {
            scaleSet.deleteInstances(List.of(delete.instanceId()));
        } else if (action instanceof CapacityAction.ResumeDrain resume) {
            Optional<DrainStatus> status = drainStatuses.read(resume.hostname())
                    .map(DrainStatusStore.Stored::status)
                    .filter(candidate -> candidate.request().requestId().equals(resume.requestId()) && !candidate.finished());
            if (status.isPresent()) {
                drains.resume(status.get());
            } else {
                // Its status is lost, and with it whether the instance was to go: finish the drain, keep the VM.
                drains.submit(resume.nodeId(), new DrainOrder(DrainReason.MANUAL, false, Optional.empty()));
            }
        } else {
            throw new IllegalArgumentException("unknown action " + action);
        }
    }

    /** For the status endpoint: a fresh snapshot and what the last checks decided; acts on nothing. */
    public ClusterReport report() {
        return new ClusterReport(snapshot(), state.readHistory());
    }

    /** The scale set's resource id, which autoscale notifications must name. */
    public String scaleSetId() {
        return scaleSet.describe().id();
    }
}
