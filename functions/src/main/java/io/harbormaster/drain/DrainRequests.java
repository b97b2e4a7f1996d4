package io.harbormaster.drain;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.NodeNotFoundException;
import io.harbormaster.swarm.NodeVersionConflictException;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Swarm;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Logger;

/** Accepts drain requests (validate, record, enqueue) and reports their status. */
public final class DrainRequests {
    private static final Logger LOG = Logger.getLogger(DrainRequests.class.getName());

    /** The status of the request that answers a submission; {@code created} is false for a drain already under way. */
    public record Submission(DrainStatus status, boolean created) {
    }

    /**
     * The instance a caller has just read in its own listing of the scale set as the only one named as the node, such
     * as the capacity check's: a drain that deletes its instance records it without listing the scale set again.
     */
    public record ListedInstance(String instanceId, String computerName) {
        public ListedInstance {
            Objects.requireNonNull(instanceId, "instanceId");
            Objects.requireNonNull(computerName, "computerName");
        }
    }

    /** At most this many statuses are expired per pass; at one capacity check every 30 s, 1,200 an hour. */
    public static final int MAX_EXPIRED_PER_PASS = 10;

    private final Swarm swarm;
    private final DrainStatusStore statuses;
    private final DrainQueue queue;
    private final DrainSettings settings;
    private final Optional<ScaleSet> scaleSet;
    private final Clock clock;
    private final AuditTrail audit;

    /**
     * @param scaleSet the agents' scale set, without which deleteInstance cannot be honoured
     * @param audit    where each accepted drain is recorded
     */
    public DrainRequests(Swarm swarm, DrainStatusStore statuses, DrainQueue queue, DrainSettings settings,
            Optional<ScaleSet> scaleSet, Clock clock, AuditTrail audit) {
        this.audit = audit;
        this.swarm = swarm;
        this.statuses = statuses;
        this.queue = queue;
        this.settings = settings;
        this.scaleSet = scaleSet;
        this.clock = clock;
    }

    /**
     * Starts a drain of {@code nodeName} (hostname or node id), or returns the one already under way.
     * A drain is under way only for the same node id: an unfinished drain of an earlier node that had this hostname
     * (a VM that rejoined, a name reused) is replaced, and its queued messages then find their request superseded.
     * With deleteInstance, the instance whose computer name is the node's hostname is recorded now, and it is the
     * only instance the drain ever deletes.
     *
     * @throws DrainRejectedException when the node is unknown, a manager or ambiguous, or deleteInstance names no
     *         single instance; nothing is queued then
     */
    public Submission submit(String nodeName, DrainOrder order) {
        return submit(nodeName, order, Optional.empty());
    }

    /**
     * As {@link #submit(String, DrainOrder)}, but a drain that deletes its instance records {@code listed} instead of
     * listing the scale set, when its computer name is the node's hostname; otherwise the scale set is listed as usual.
     * The id recorded is still the only instance the drain ever deletes.
     */
    public Submission submit(String nodeName, DrainOrder order, ListedInstance listed) {
        return submit(nodeName, order, Optional.of(listed));
    }

    private Submission submit(String nodeName, DrainOrder order, Optional<ListedInstance> listed) {
        if (order.endsInstance() && scaleSet.isEmpty()) {
            throw new DrainRejectedException(DrainRejectedException.Kind.INVALID_BODY,
                    "deleteInstance needs a scale set, and none is configured (setting HARBORMASTER_SCALE_SET_NAME)");
        }
        Node node = resolve(DrainOrder.validNodeName(nodeName));
        if (node.isManager()) {
            throw new DrainRejectedException(DrainRejectedException.Kind.MANAGER_NODE,
                    "node " + node.hostname() + " is a manager; managers are never drained or removed by this path");
        }
        String instanceId = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<DrainStatusStore.Stored> existing = statuses.read(node.hostname());
            if (existing.isPresent() && !existing.get().status().finished()) {
                DrainRequest under = existing.get().status().request();
                if (under.nodeId().equals(node.id())) {
                    return new Submission(existing.get().status(), false);
                }
                // Same hostname, another node: that drain's node is gone, and its state must not act on this one.
                LOG.warning("drain " + under.requestId() + " of " + under.hostname() + " was for node " + under.nodeId()
                        + ", not the current " + node.id() + "; it is superseded by a new drain");
            }
            if (order.endsInstance() && instanceId == null) {
                instanceId = listed.filter(instance -> node.hostname().equalsIgnoreCase(instance.computerName()))
                        .map(ListedInstance::instanceId)
                        .orElseGet(() -> instanceOf(node));
            }
            Instant now = clock.instant();
            DrainRequest request = new DrainRequest(UUID.randomUUID().toString(), node.hostname(), node.id(),
                    order.reason(), order.instanceEnd(),
                    order.deadline().orElse(now.plus(settings.defaultTimeout())), now, instanceId);
            DrainStatus status = DrainStatus.requested(request);
            boolean recorded = existing.isPresent()
                    ? statuses.replace(status, existing.get().etag())
                    : statuses.create(status);
            if (!recorded) {
                continue; // a concurrent request got there first: answer with that one
            }
            enqueue(status);
            audit.record(AuditEvent.of(now, AuditKind.DRAIN_STATE, request.hostname(),
                    request.reason().wireName() + endOf(request),
                    "requestId", request.requestId(), "nodeId", request.nodeId(), "to", DrainState.REQUESTED.wireName(),
                    "deadline", request.deadline().toString(), "instanceId", request.instanceId()));
            startAtOnce(node, request);
            LOG.info("drain " + request.requestId() + " of " + request.hostname() + " (" + request.nodeId() + ") requested: "
                    + request.reason().wireName()
                    + endOf(request) + (request.instanceId() == null ? "" : " " + request.instanceId()));
            return new Submission(status, true);
        }
        throw new IllegalStateException("drain status of " + node.hostname() + " kept changing; try again");
    }

    private static String endOf(DrainRequest request) {
        return switch (request.instanceEnd()) {
            case KEEP -> "";
            case DELETE -> ", then delete its instance";
            case DEALLOCATE -> ", then deallocate its instance";
        };
    }

    /**
     * Sets the node to drain now, with our label, so swarm starts moving its tasks before the request is answered; the
     * queued message carries only the follow-ups. The status is on record and its message queued before this, so
     * nothing is lost when it fails or the host dies here: the worker's first pass marks the node, and marking twice
     * is harmless. A node that runs replicas of a surge service is left alone: the worker records that surge before
     * it touches the node or the service.
     */
    private void startAtOnce(Node node, DrainRequest request) {
        try {
            // Most clusters have no surge service: then one call decides, and the node's tasks need not be listed.
            List<Service> surgeServices = swarm.services().stream().filter(Service::surgeOnDrain).toList();
            if (!surgeServices.isEmpty()
                    && !SurgeDrain.plan(node.id(), swarm.tasksOnNode(node.id()), surgeServices).isEmpty()) {
                return;
            }
            Node current = node;
            for (int attempt = 0; attempt < 2; attempt++) {
                Map<String, String> labels = new HashMap<>(current.labels());
                labels.put(DrainProgress.REQUEST_LABEL, request.requestId());
                try {
                    swarm.updateNode(current, Node.Availability.DRAIN, labels);
                    return;
                } catch (NodeVersionConflictException e) {
                    // Its heartbeat or someone else moved it on since it was read: once more with a fresh read.
                    Optional<Node> reread = swarm.node(node.id());
                    if (reread.isEmpty()) {
                        return;
                    }
                    current = reread.get();
                }
            }
        } catch (RuntimeException e) {
            LOG.warning("drain " + request.requestId() + " of " + request.hostname() + ": could not set the node to drain"
                    + " at once (" + e.getClass().getSimpleName() + "); the first queued pass does it");
        }
    }

    /** The latest drain of the node, addressed by hostname or by the id of a node the swarm still knows. */
    public Optional<DrainStatus> status(String nodeName) {
        String name = DrainOrder.validNodeName(nodeName);
        Optional<DrainStatusStore.Stored> byName = statuses.read(name);
        if (byName.isPresent()) {
            return byName.map(DrainStatusStore.Stored::status);
        }
        return swarm.node(name).flatMap(node -> statuses.read(node.hostname())).map(DrainStatusStore.Stored::status);
    }

    /**
     * Calls off the unfinished drain {@code requestId} of the node and makes the node active again without our label.
     * The status is finished first, so the drain worker cannot set the node back to drain afterwards.
     *
     * @return false when that drain is not the node's current unfinished one (finished, replaced or unknown)
     */
    public boolean cancel(Node node, String requestId) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<DrainStatusStore.Stored> stored = statuses.read(node.hostname());
            if (stored.isEmpty() || stored.get().status().finished()
                    || !stored.get().status().request().requestId().equals(requestId)) {
                return false;
            }
            if (statuses.replace(stored.get().status().cancelled(clock.instant()), stored.get().etag())) {
                Map<String, String> labels = new HashMap<>(node.labels());
                labels.remove(DrainProgress.REQUEST_LABEL);
                swarm.updateNode(node, Node.Availability.ACTIVE, labels);
                LOG.info("drain " + requestId + " of " + node.hostname() + " cancelled; the node is active again");
                restoreSurge(node.hostname(), requestId);
                return true;
            }
        }
        return false;
    }

    /**
     * Calls off the terminate-notification drain of the node because Azure cancelled its Terminate event: the status
     * becomes {@code cancelled} (first, so the drain worker cannot set the node back to drain), then the node is active
     * again without our label, and its VM is kept. A drained terminate drain that finished waiting for the node to
     * leave is called off too, as long as the node is still in the swarm and carries that drain's label. Calling off a
     * cancelled drain again answers it unchanged.
     *
     * @return empty when no drain of that node is on record
     * @throws DrainRejectedException NOT_CANCELLABLE for any other reason, a drain past its end (node gone, instance
     *         deleted, failed) or one whose node now carries another drain's label; nothing changes then
     */
    public Optional<DrainStatus> cancelTerminate(String nodeName) {
        String name = DrainOrder.validNodeName(nodeName);
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<DrainStatusStore.Stored> stored = statuses.read(name)
                    .or(() -> swarm.node(name).flatMap(node -> statuses.read(node.hostname())));
            if (stored.isEmpty()) {
                return Optional.empty();
            }
            DrainStatus status = stored.get().status();
            DrainRequest request = status.request();
            if (request.reason() != DrainReason.TERMINATE_NOTIFICATION) {
                throw notCancellable(status, "it is a " + request.reason().wireName() + " drain; only a "
                        + DrainReason.TERMINATE_NOTIFICATION.wireName() + " drain is called off by its event");
            }
            if (status.state() == DrainState.CANCELLED) {
                // Called again, say because setting the node active failed: finish that part, then answer as before.
                swarm.node(request.nodeId())
                        .filter(node -> request.requestId().equals(node.labels().get(DrainProgress.REQUEST_LABEL)))
                        .ifPresent(node -> activate(node, request.requestId()));
                return Optional.of(status);
            }
            if (status.instanceDeleted()) {
                throw notCancellable(status, "its instance is deleted");
            }
            Optional<Node> node = swarm.node(request.nodeId());
            if (node.isEmpty()) {
                throw notCancellable(status, "its node " + request.nodeId() + " is no longer in the swarm");
            }
            String label = node.get().labels().get(DrainProgress.REQUEST_LABEL);
            if (label != null && !label.equals(request.requestId())) {
                throw notCancellable(status, "its node carries another drain's label, " + label);
            }
            boolean leftDrained = status.state() == DrainState.DRAINED || status.state() == DrainState.TIMED_OUT
                    || status.state() == DrainState.STRANDED;
            if (status.finished() && !(leftDrained && request.requestId().equals(label))) {
                throw notCancellable(status, "it is " + status.state().wireName() + " already");
            }
            DrainStatus cancelled = status.cancelled(clock.instant());
            if (statuses.replace(cancelled, stored.get().etag())) {
                activate(node.get(), request.requestId());
                restoreSurge(request.hostname(), request.requestId());
                LOG.info("drain " + request.requestId() + " of " + request.hostname() + " cancelled with its Terminate"
                        + " event; the node is active again and its VM kept");
                return Optional.of(cancelled);
            }
        }
        throw new IllegalStateException("drain status of " + nodeName + " kept changing; try again");
    }

    /** Sets the node active without our label, reading it again when it changed meanwhile (the worker's last pass). */
    private void activate(Node node, String requestId) {
        Node current = node;
        for (int attempt = 0; attempt < 3; attempt++) {
            String label = current.labels().get(DrainProgress.REQUEST_LABEL);
            if (label != null && !label.equals(requestId)) {
                return; // another drain took the node over since: it is that drain's to give back
            }
            Map<String, String> labels = new HashMap<>(current.labels());
            labels.remove(DrainProgress.REQUEST_LABEL);
            try {
                swarm.updateNode(current, Node.Availability.ACTIVE, labels);
                return;
            } catch (NodeVersionConflictException e) {
                Optional<Node> again = swarm.node(node.id());
                if (again.isEmpty()) {
                    return;
                }
                current = again.get();
            } catch (NodeNotFoundException e) {
                return;
            }
        }
        throw new IllegalStateException("node " + node.hostname() + " kept changing while it was set active; its drain is"
                + " cancelled, try again to set it active");
    }

    private static DrainRejectedException notCancellable(DrainStatus status, String why) {
        return new DrainRejectedException(DrainRejectedException.Kind.NOT_CANCELLABLE, "drain "
                + status.request().requestId() + " of " + status.request().hostname() + " cannot be called off: " + why);
    }

    /**
     * Scales the surge services of a cancelled drain back to their recorded counts, as its worker no longer will. Each
     * step decides from the service's current count, so one that is back already is not scaled again.
     */
    private void restoreSurge(String hostname, String requestId) {
        try {
            for (int attempt = 0; attempt < 8; attempt++) {
                Optional<DrainStatusStore.Stored> stored = statuses.read(hostname);
                if (stored.isEmpty() || !stored.get().status().request().requestId().equals(requestId)
                        || !stored.get().status().surgeOutstanding()) {
                    return;
                }
                SurgeDrain.Step step = SurgeDrain.restore(stored.get().status(), swarm.services());
                if (step.action() instanceof DrainAction.ScaleService scale) {
                    swarm.setReplicas(scale.service(), scale.replicas());
                    LOG.info("drain " + requestId + " cancelled: service " + scale.service().name() + " back to "
                            + scale.replicas() + " replicas");
                } else {
                    statuses.replace(step.status(), stored.get().etag());
                }
            }
        } catch (RuntimeException e) {
            LOG.warning("drain " + requestId + " of " + hostname + " cancelled, but its surge services could not all be"
                    + " scaled back (" + e.getClass().getSimpleName() + "); see the status's surge entries");
        }
    }

    /** Sends the drain's message again at its current step, for a drain whose chain of messages was lost. */
    public void resume(DrainStatus status) {
        queue.send(DrainMessage.of(status.request().requestId(), status.request().hostname(), status.step()), Duration.ZERO);
    }

    /**
     * Deletes finished statuses last updated longer ago than {@code HARBORMASTER_DRAIN_STATUS_RETENTION}, oldest first
     * and at most {@link #MAX_EXPIRED_PER_PASS}, so a long backlog costs each pass a bounded number of calls (one read
     * and one delete each) and is worked off over several passes.
     * Each candidate is read again and deleted only at the ETag of that read, and only if it still qualifies: a drain
     * started on the node meanwhile replaces the blob, moves its ETag, and the delete leaves it alone.
     * A drain under way is never deleted, and neither is one whose request id a node still carries as its label: the
     * capacity planner reads that status to tell a failed drain left in place from one left half-done.
     * A failure is logged and ends nothing but that one deletion; the next pass tries again.
     *
     * @param listed          the statuses as just listed
     * @param requestIdsInUse request ids found on nodes' {@link DrainProgress#REQUEST_LABEL}
     * @return the hostnames whose status was deleted
     */
    public List<String> expireFinished(List<DrainStatus> listed, Set<String> requestIdsInUse) {
        Instant cutoff = clock.instant().minus(settings.statusRetention());
        List<DrainStatus> candidates = listed.stream()
                .filter(status -> expired(status, cutoff, requestIdsInUse))
                .sorted(Comparator.comparing(DrainStatus::updatedAt).thenComparing(DrainStatus::key))
                .limit(MAX_EXPIRED_PER_PASS)
                .toList();
        List<String> expired = new ArrayList<>();
        for (DrainStatus candidate : candidates) {
            String hostname = candidate.request().hostname();
            try {
                Optional<DrainStatusStore.Stored> stored = statuses.read(hostname);
                if (stored.isPresent() && expired(stored.get().status(), cutoff, requestIdsInUse)
                        && statuses.delete(hostname, stored.get().etag())) {
                    expired.add(hostname);
                    LOG.info("drain status of " + hostname + " (request " + stored.get().status().request().requestId()
                            + ", " + stored.get().status().state().wireName() + ", last updated "
                            + stored.get().status().updatedAt() + ") expired and deleted");
                }
            } catch (RuntimeException e) {
                LOG.warning("expiring the drain status of " + hostname + " failed: " + e.getClass().getSimpleName()
                        + "; the next pass tries again");
            }
        }
        return expired;
    }

    private static boolean expired(DrainStatus status, Instant cutoff, Set<String> requestIdsInUse) {
        return status.finished() && status.updatedAt().isBefore(cutoff)
                && !requestIdsInUse.contains(status.request().requestId());
    }

    private void enqueue(DrainStatus status) {
        try {
            queue.send(DrainMessage.of(status.request().requestId(), status.request().hostname(), status.step()), Duration.ZERO);
        } catch (RuntimeException e) {
            // Without its message the recorded request would never move: take it back, then report the failure.
            statuses.read(status.request().hostname())
                    .filter(stored -> stored.status().request().requestId().equals(status.request().requestId()))
                    .ifPresent(stored -> statuses.delete(status.request().hostname(), stored.etag()));
            throw e;
        }
    }

    /** The id of the one instance whose computer name is the node's hostname, looked up once, at request time. */
    private String instanceOf(Node node) {
        List<ScaleSetInstance> named = scaleSet.orElseThrow().instances().stream()
                .filter(instance -> node.hostname().equalsIgnoreCase(instance.computerName()))
                .toList();
        if (named.size() != 1) {
            throw new DrainRejectedException(DrainRejectedException.Kind.NO_INSTANCE, "deleteInstance: the scale set has "
                    + (named.isEmpty() ? "no instance" : named.size() + " instances") + " named " + node.hostname());
        }
        return named.get(0).instanceId();
    }

    private Node resolve(String name) {
        List<Node> nodes = swarm.nodes();
        Optional<Node> byId = nodes.stream().filter(node -> node.id().equals(name)).findFirst();
        if (byId.isPresent()) {
            return byId.get();
        }
        List<Node> byHostname = nodes.stream().filter(node -> node.hostname().equalsIgnoreCase(name)).toList();
        if (byHostname.size() > 1) {
            // A VM re-created under the same name leaves its old node behind, down: the live one is meant.
            byHostname = byHostname.stream().filter(node -> node.state() != Node.State.DOWN).toList();
        }
        if (byHostname.isEmpty()) {
            throw new DrainRejectedException(DrainRejectedException.Kind.UNKNOWN_NODE, "the swarm has no node " + name);
        }
        if (byHostname.size() > 1) {
            throw new DrainRejectedException(DrainRejectedException.Kind.AMBIGUOUS_NODE,
                    byHostname.size() + " live nodes are named " + name + "; address the node by its id");
        }
        return byHostname.get(0);
    }
}
