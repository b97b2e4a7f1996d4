package io.harbormaster.lifecycle.upgrade;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.drain.DrainOrder;
import io.harbormaster.drain.DrainProgress;
import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRejectedException;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ImageCatalog;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.scaleset.ScaleSetConflictException;
import io.harbormaster.scaleset.ScaleSetException;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.storage.DelayedQueue;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Swarm;
import io.harbormaster.swarm.SwarmUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Runs one pass of the rolling upgrade per queue message, as the drain worker does for a drain: it reads the scale set,
 * the swarm and the drains, asks {@link UpgradeProgress} what to do, records that (its intent) with a compare-and-set,
 * acts, records the outcome, and sends the follow-up message with a delay instead of sleeping.
 */
public final class UpgradeWorker {
    private static final Logger LOG = Logger.getLogger(UpgradeWorker.class.getName());
    // Submitting a drain, starting an upgrade and raising the capacity are quick; a pass may do a few.
    private static final int MAX_ACTIONS_PER_PASS = 4;

    /** What a pass did with its message. */
    public enum Outcome { CHECK_SCHEDULED, STOPPED, STALE, UNKNOWN_UPGRADE }

    private final Swarm swarm;
    private final List<UpgradePool> pools;
    private final DrainRequests drains;
    private final UpgradeStore store;
    private final UpgradeQueue queue;
    private final UpgradeProgress.Pacing pacing;
    private final Function<List<Node>, Set<String>> sharesNotBack;
    private final Clock clock;
    private final AuditTrail audit;

    /**
     * The single scale set's pool, of at most {@code maxAgents}.
     *
     * @param sharesNotBack the rebalance's answer, given the nodes a pass read: ids of rejoined nodes whose share of
     *                      tasks is not back yet (the upgrade waits for them before it goes on); {@code nodes ->
     *                      Set.of()} while no rebalance is wired in
     */
    public UpgradeWorker(Swarm swarm, ScaleSet scaleSet, DrainRequests drains, UpgradeStore store, UpgradeQueue queue,
            UpgradeProgress.Pacing pacing, int maxAgents, Function<List<Node>, Set<String>> sharesNotBack, Clock clock,
            AuditTrail audit) {
        this(swarm, scaleSet, ImageCatalog.NONE, drains, store, queue, pacing, maxAgents, sharesNotBack, clock, audit);
    }

    /**
     * As above, with {@code images}: where a pass reads the image version each instance runs when the listing gives
     * none (a gallery image under latest), only while the upgrade has a newest image to compare with.
     */
    public UpgradeWorker(Swarm swarm, ScaleSet scaleSet, ImageCatalog images, DrainRequests drains, UpgradeStore store,
            UpgradeQueue queue, UpgradeProgress.Pacing pacing, int maxAgents,
            Function<List<Node>, Set<String>> sharesNotBack, Clock clock, AuditTrail audit) {
        this(swarm, List.of(UpgradePool.single(scaleSet, images, maxAgents)), drains, store, queue, pacing,
                sharesNotBack, clock, audit);
    }

    /**
     * @param pools         every pool: a pass reads and acts on the scale set of the pool under way only
     * @param sharesNotBack as above
     */
    public UpgradeWorker(Swarm swarm, List<UpgradePool> pools, DrainRequests drains, UpgradeStore store,
            UpgradeQueue queue, UpgradeProgress.Pacing pacing, Function<List<Node>, Set<String>> sharesNotBack,
            Clock clock, AuditTrail audit) {
        this.swarm = swarm;
        this.pools = List.copyOf(pools);
        this.drains = drains;
        this.store = store;
        this.queue = queue;
        this.pacing = pacing;
        this.sharesNotBack = sharesNotBack;
        this.clock = clock;
        this.audit = audit;
    }

    /**
     * Handles one delivery of a message. Throws only when storage failed; the queue then delivers it again.
     *
     * @throws IllegalArgumentException for a message this worker cannot read; it ends in the poison queue
     */
    public Outcome handle(String messageText, String messageId) {
        UpgradeCodec.Message message = UpgradeCodec.message(messageText);
        Optional<UpgradeStore.Stored> stored = store.read();
        if (stored.isEmpty() || !stored.get().status().upgradeId().equals(message.upgradeId())) {
            return Outcome.UNKNOWN_UPGRADE;
        }
        UpgradeStatus status = stored.get().status();
        if (status.state() != UpgradeStatus.State.RUNNING
                || !DelayedQueue.accepts(message.step(), status.step(), messageId, status.claimedBy())) {
            return Outcome.STALE;
        }
        long step = status.step() + 1;
        String etag = stored.get().etag();
        UpgradeStatus current = status;
        for (int i = 0; i < MAX_ACTIONS_PER_PASS; i++) {
            Instant now = clock.instant();
            String poolName = current.currentPool();
            Optional<UpgradePool> pool = pools.stream().filter(p -> p.name().equals(poolName)).findFirst();
            if (pool.isEmpty()) {
                // HARBORMASTER_POOLS changed under the upgrade: its scale set is not known any more.
                UpgradeStatus paused = current.paused("pool '" + poolName + "' is no longer in "
                        + "HARBORMASTER_POOLS (the pools are " + String.join(", ", pools.stream().map(UpgradePool::name)
                        .toList()) + "); start a new upgrade").claimed(step, messageId, now);
                return write(current, paused, etag) == null ? Outcome.STALE : Outcome.STOPPED;
            }
            UpgradeProgress.Decision decision;
            try {
                decision = UpgradeProgress.next(current, snapshot(current, pool.get()), pacing, now);
            } catch (SwarmUnavailableException | ScaleSetException e) {
                return retryLater(current, etag, step, messageId, "reading the cluster: " + e.getMessage());
            }
            // The intent goes on record before the action.
            UpgradeStatus intent = decision.status().withLastError(null).claimed(step, messageId, now);
            etag = write(current, intent, etag);
            if (etag == null) {
                return Outcome.STALE;
            }
            current = intent;
            UpgradeAction action = decision.action();
            if (action instanceof UpgradeAction.Stop) {
                return Outcome.STOPPED;
            }
            if (action instanceof UpgradeAction.Wait wait) {
                queue.send(new UpgradeCodec.Message(current.upgradeId(), step), wait.delay());
                return Outcome.CHECK_SCHEDULED;
            }
            UpgradeStatus after;
            try {
                after = act(current, action, pool.get());
            } catch (SwarmUnavailableException e) {
                return retryLater(current, etag, step, messageId, "swarm: " + e.getMessage());
            } catch (ScaleSetConflictException e) {
                // Someone changed the scale set since it was read: the next decision reads it again.
                after = current;
            } catch (ScaleSetException e) {
                if (e.retryable()) {
                    return retryLater(current, etag, step, messageId, "scale set: " + e.getMessage());
                }
                after = current.paused("the scale set refused " + describe(action) + ": " + e.getMessage());
            } catch (DrainRejectedException e) {
                after = current.paused("the drain for " + describe(action) + " was refused: " + e.getMessage());
            }
            if (after != current) {
                etag = write(current, after.claimed(step, messageId, clock.instant()), etag);
                if (etag == null) {
                    return Outcome.STALE;
                }
                current = after.claimed(step, messageId, clock.instant());
                if (current.state() != UpgradeStatus.State.RUNNING) {
                    return Outcome.STOPPED;
                }
            }
        }
        queue.send(new UpgradeCodec.Message(current.upgradeId(), step), Duration.ZERO);
        return Outcome.CHECK_SCHEDULED;
    }

    /** Pauses the upgrade of a message that exhausted its deliveries, saying so: resume sends its step again. */
    public void giveUp(String messageText) {
        UpgradeCodec.Message message;
        try {
            message = UpgradeCodec.message(messageText);
        } catch (IllegalArgumentException e) {
            LOG.warning("poison upgrade message cannot be read (" + e.getMessage() + "); no upgrade to pause");
            return;
        }
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<UpgradeStore.Stored> stored = store.read();
            if (stored.isEmpty() || !stored.get().status().upgradeId().equals(message.upgradeId())
                    || stored.get().status().state() != UpgradeStatus.State.RUNNING) {
                return;
            }
            UpgradeStatus status = stored.get().status();
            UpgradeStatus paused = status.paused("every delivery of a pass failed (host.json maxDequeueCount)"
                    + (status.lastError() == null ? "" : "; last error: " + status.lastError())
                    + "; resume once the cause is fixed").claimed(status.step() + 1, null, clock.instant());
            if (store.replace(paused, stored.get().etag()).isPresent()) {
                UpgradeAudit.record(audit, status, paused, clock.instant());
                return;
            }
        }
    }

    private UpgradeSnapshot snapshot(UpgradeStatus status, UpgradePool pool) {
        List<DrainStatus> entryDrains = new ArrayList<>();
        for (UpgradeEntry entry : status.entries()) {
            if (entry.drainRequestId() != null && entry.phase() == UpgradePhase.DRAINING) {
                drains.status(entry.computerName()).ifPresent(entryDrains::add);
            }
        }
        // The newest image was read once, at the start: a pass lists no image versions. It reads the running ones
        // (a disk list) only when the listing lacks some, as under a gallery image. Ids are the recorded ones
        // (qualified by the pool) from here on.
        ScaleSetModel model = pool.scaleSet().describe();
        List<ScaleSetInstance> listed = pool.scaleSet().instances();
        Optional<String> newest = Optional.ofNullable(status.imageVersion(pool.name()));
        Optional<Map<String, String>> read = RunningImages.read(pool, listed, newest);
        Map<String, String> disks = new TreeMap<>();
        read.ifPresent(byId -> byId.forEach((id, version) -> disks.put(pool.qualify(id), version)));
        // An unknown version counts as behind for the entries not yet started: the start chose them. Once sent, a
        // reimage is on record (RunningImages.recorded), and a manualUpgrade's instance is left as it stands.
        Set<String> notStarted = new TreeSet<>();
        if (read.isPresent()) {
            status.entries().stream().filter(entry -> entry.phase() == UpgradePhase.PENDING
                    && entry.pool().equals(pool.name())).forEach(entry -> notStarted.add(entry.instanceId()));
        }
        List<ScaleSetInstance> instances = RunningImages.resolve(listed.stream()
                .map(instance -> instance.withInstanceId(pool.qualify(instance.instanceId()))).toList(), disks,
                RunningImages.recorded(status, pool.name()));
        List<Node> nodes = swarm.nodes();
        return new UpgradeSnapshot(pool.name(), model, instances, nodes, entryDrains, newest,
                sharesNotBack.apply(nodes), pool.maxAgents(), notStarted);
    }

    /**
     * Takes the action on {@code pool}'s own scale set (its capacity, an instance by its bare id) or through the drains
     * (which record the upgrade's id, the one the drain worker resolves to that scale set); returns the status with
     * its outcome (the same status when there is none to record).
     */
    private UpgradeStatus act(UpgradeStatus status, UpgradeAction action, UpgradePool pool) {
        if (action instanceof UpgradeAction.SetCapacity set) {
            pool.scaleSet().beginSetCapacity(set.capacity(), set.etag());
            LOG.info("upgrade " + status.upgradeId() + ": capacity of pool " + pool.name() + " raised to " + set.capacity()
                    + " for a replacement");
            return status;
        }
        if (action instanceof UpgradeAction.SubmitDrain drain) {
            UpgradeEntry entry = UpgradeProgress.find(status, drain.instanceId());
            String node = entry.oldNodeId() != null ? entry.oldNodeId() : drain.hostname();
            DrainOrder order = new DrainOrder(DrainReason.MANUAL, drain.deleteInstance(), Optional.empty());
            DrainRequests.Submission submitted = drain.deleteInstance()
                    ? drains.submit(node, order, new DrainRequests.ListedInstance(drain.instanceId(), drain.hostname()))
                    : drains.submit(node, order);
            String requestId = submitted.status().request().requestId();
            LOG.info("upgrade " + status.upgradeId() + ": drain " + requestId + " of " + drain.hostname()
                    + (drain.deleteInstance() ? ", then delete its instance (replaced)" : ", instance kept for its upgrade"));
            return status.withEntry(entry.withDrain(requestId).in(UpgradePhase.DRAINING, clock.instant()));
        }
        if (action instanceof UpgradeAction.Upgrade upgrade) {
            UpgradeEntry entry = UpgradeProgress.find(status, upgrade.instanceId());
            if (UpgradeEntry.REIMAGE.equals(upgrade.method())) {
                pool.scaleSet().beginReimage(pool.bare(upgrade.instanceId()));
            } else {
                pool.scaleSet().beginManualUpgrade(pool.bare(upgrade.instanceId()));
            }
            LOG.info("upgrade " + status.upgradeId() + ": " + upgrade.method() + " of instance " + upgrade.instanceId()
                    + " (" + entry.computerName() + ") started");
            return status.withEntry(entry.in(UpgradePhase.REJOINING, clock.instant()));
        }
        if (action instanceof UpgradeAction.Reactivate reactivate) {
            UpgradeEntry entry = UpgradeProgress.find(status, reactivate.instanceId());
            Optional<Node> node = swarm.node(reactivate.nodeId());
            if (node.isPresent() && node.get().availability() != Node.Availability.ACTIVE) {
                // Through the drain's own cancel while it is unfinished: its status is finished first, so its worker
                // cannot drain the node again; a finished drain no longer looks, and the node is set active here.
                if (entry.drainRequestId() == null || !drains.cancel(node.get(), entry.drainRequestId())) {
                    Map<String, String> labels = new HashMap<>(node.get().labels());
                    labels.remove(DrainProgress.REQUEST_LABEL);
                    swarm.updateNode(node.get(), Node.Availability.ACTIVE, labels);
                }
                LOG.info("upgrade " + status.upgradeId() + ": instance " + entry.instanceId() + " (" + entry.computerName()
                        + ") came back as its old node " + reactivate.nodeId() + ", now active again");
            }
            return status;
        }
        throw new IllegalStateException("unexpected action " + action);
    }

    private Outcome retryLater(UpgradeStatus status, String etag, long step, String messageId, String error) {
        UpgradeStatus failed = status.withLastError(error).claimed(step, messageId, clock.instant());
        if (write(status, failed, etag) == null) {
            return Outcome.STALE;
        }
        LOG.info("upgrade " + status.upgradeId() + ": " + error + "; trying again");
        queue.send(new UpgradeCodec.Message(status.upgradeId(), step), pacing.checkInterval().multipliedBy(2));
        return Outcome.CHECK_SCHEDULED;
    }

    /** Writes {@code after} at {@code etag} and records what changed on the audit trail; null when it lost the race. */
    private String write(UpgradeStatus before, UpgradeStatus after, String etag) {
        Optional<String> written = store.replace(after, etag);
        if (written.isEmpty()) {
            LOG.info("upgrade " + after.upgradeId() + ": changed by someone else (a pause?) during this pass; stopped");
            return null;
        }
        UpgradeAudit.record(audit, before, after, clock.instant());
        return written.get();
    }

    private static String describe(UpgradeAction action) {
        if (action instanceof UpgradeAction.SetCapacity set) {
            return "the capacity " + set.capacity();
        }
        if (action instanceof UpgradeAction.SubmitDrain drain) {
            return "the node " + drain.hostname();
        }
        if (action instanceof UpgradeAction.Upgrade upgrade) {
            return upgrade.method() + " of instance " + upgrade.instanceId();
        }
        if (action instanceof UpgradeAction.Reactivate reactivate) {
            return "making node " + reactivate.nodeId() + " active again";
        }
        return String.valueOf(action);
    }
}
