package io.harbormaster.lifecycle.upgrade;

import io.harbormaster.audit.AuditTrail;
import io.harbormaster.scaleset.ImageCatalog;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.scaleset.ScaleSetException;
import io.harbormaster.scaleset.ScaleSetInstance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The operator's (and the automatic setting's) handle on the rolling upgrade: start, pause, resume and read it. Each
 * change is a compare-and-set on the stored status; a start or resume then queues the pass that moves it.
 */
public final class UpgradeControl {
    private static final Logger LOG = Logger.getLogger(UpgradeControl.class.getName());
    private static final int ATTEMPTS = 3;
    /**
     * How long the automatic start trusts the newest image version it read: a marketplace image gets a new version
     * every few weeks, and reading it costs ARM two reads, which the capacity timer must not pay every 30 s.
     */
    static final Duration NEWEST_IMAGE_MAX_AGE = Duration.ofHours(1);

    /** What a request did: the status now, and whether this request changed it. */
    public record Result(Optional<UpgradeStatus> status, boolean changed) {
    }

    /** A request that does not fit the upgrade's state: pause or resume with none under way. */
    public static final class NotApplicable extends RuntimeException {
        public NotApplicable(String message) {
            super(message);
        }
    }

    /** A start that names a pool the settings do not have; nothing is read or changed. */
    public static final class UnknownPool extends RuntimeException {
        public UnknownPool(String message) {
            super(message);
        }
    }

    private final List<UpgradePool> pools;
    private final UpgradeStore store;
    private final UpgradeQueue queue;
    private final Clock clock;
    private final AuditTrail audit;
    private volatile Recent recent;
    private final Map<String, NewestImage> newestImages = new ConcurrentHashMap<>();

    private record Recent(Instant at, Optional<UpgradeStatus> status) {
    }

    private record NewestImage(Instant at, Optional<String> version, Map<String, String> running) {
    }

    /** Without an image catalog: only model changes are upgrades. */
    public UpgradeControl(ScaleSet scaleSet, UpgradeStore store, UpgradeQueue queue, Clock clock, AuditTrail audit) {
        this(scaleSet, ImageCatalog.NONE, store, queue, clock, audit);
    }

    /** The single scale set's pool; {@code images} is where the newest image under a {@code latest} model is read. */
    public UpgradeControl(ScaleSet scaleSet, ImageCatalog images, UpgradeStore store, UpgradeQueue queue, Clock clock,
            AuditTrail audit) {
        this(List.of(UpgradePool.single(scaleSet, images, Integer.MAX_VALUE)), store, queue, clock, audit);
    }

    /** @param pools every pool, in the settings' order: the order in which an upgrade of all of them goes */
    public UpgradeControl(List<UpgradePool> pools, UpgradeStore store, UpgradeQueue queue, Clock clock,
            AuditTrail audit) {
        if (pools.isEmpty()) {
            throw new IllegalArgumentException("no pool to upgrade");
        }
        this.pools = List.copyOf(pools);
        this.store = store;
        this.queue = queue;
        this.clock = clock;
        this.audit = audit;
    }

    /** The pools' names, in the order an upgrade of all of them goes. */
    public List<String> poolNames() {
        return pools.stream().map(UpgradePool::name).toList();
    }

    public Optional<UpgradeStatus> status() {
        Optional<UpgradeStatus> read = store.read().map(UpgradeStore.Stored::status);
        recent = new Recent(clock.instant(), read);
        return read;
    }

    /**
     * The status as read at most {@code maxAge} ago by this process: the status page polls every second per viewer,
     * and must cost storage no read of its own for each.
     */
    public Optional<UpgradeStatus> recentStatus(Duration maxAge) {
        Recent seen = recent;
        if (seen != null && clock.instant().isBefore(seen.at().plus(maxAge))) {
            return seen.status();
        }
        return status();
    }

    /**
     * Starts an upgrade of every pool that has instances behind, as {@link #start(String, Optional)} without a pool.
     */
    public Result start(String by) {
        return start(by, Optional.empty());
    }

    /**
     * Starts an upgrade of the instances of {@code pool} (without one: of every pool, one pool after another in the
     * settings' order) that are behind their scale set's model, or (when that model says {@code latest}) run an older
     * image than the newest published, unless one is under way (running or paused: that one is answered, unchanged).
     * With no instance behind, nothing is stored or queued and the result is the last upgrade, unchanged. The newest
     * image of each pool is read here, once per start, and stored with the upgrade. An instance whose image version
     * nobody knows (a gallery image whose disk ARM does not list, not reimaged by the last upgrade) counts as behind on
     * this, the operator's start: reimaging it is the only way to know it runs the newest.
     *
     * @throws UnknownPool when {@code pool} is not one of {@link #poolNames()}; nothing is read
     */
    public Result start(String by, Optional<String> pool) {
        List<UpgradePool> targets = pool.isEmpty() ? pools : List.of(pool(pool.get()));
        return start(by, targets, this::readNewestImage, true);
    }

    private UpgradePool pool(String name) {
        return pools.stream().filter(candidate -> candidate.name().equals(name)).findFirst()
                .orElseThrow(() -> new UnknownPool("no pool '" + name + "': the pools are " + String.join(", ", poolNames())));
    }

    private Result start(String by, List<UpgradePool> targets, Function<UpgradePool, Optional<String>> newest,
            boolean unknownBehind) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<UpgradeStore.Stored> stored = store.read();
            if (stored.isPresent() && !stored.get().status().finished()) {
                return new Result(Optional.of(stored.get().status()), false);
            }
            List<UpgradeEntry> entries = new ArrayList<>();
            List<UpgradeStatus.PoolTarget> covered = new ArrayList<>();
            for (UpgradePool target : targets) {
                Optional<String> newestImage = newest.apply(target);
                // Read first: a Flexible VM is compared with the model as the adapter last read it (it has no
                // latestModelApplied), so a start right after a model change must see that change.
                target.scaleSet().describe();
                List<ScaleSetInstance> instances = target.scaleSet().instances();
                Optional<Map<String, String>> disks = RunningImages.read(target, instances, newestImage);
                Map<String, String> recorded = new TreeMap<>();
                stored.ifPresent(last -> RunningImages.recorded(last.status(), target.name())
                        .forEach((id, version) -> recorded.put(target.bare(id), version)));
                instances = RunningImages.resolve(instances, disks.orElse(Map.of()), recorded);
                List<UpgradeEntry> behind = behind(target, instances, newestImage, unknownBehind && disks.isPresent());
                if (!behind.isEmpty()) {
                    entries.addAll(behind);
                    covered.add(new UpgradeStatus.PoolTarget(target.name(), newestImage.orElse(null)));
                }
            }
            if (entries.isEmpty()) {
                return new Result(stored.map(UpgradeStore.Stored::status), false);
            }
            Instant now = clock.instant();
            UpgradeStatus started = UpgradeStatus.started(UUID.randomUUID().toString(), by, now, entries, covered);
            Optional<String> written = stored.isPresent() ? store.replace(started, stored.get().etag()) : store.create(started);
            if (written.isEmpty()) {
                continue;
            }
            UpgradeAudit.record(audit, null, started, now);
            queue.send(new UpgradeCodec.Message(started.upgradeId(), started.step()), Duration.ZERO);
            LOG.info("upgrade " + started.upgradeId() + " started by " + by + ": " + entries.size() + " instances behind"
                    + " the model or image, pools " + covered);
            return new Result(Optional.of(started), true);
        }
        throw new IllegalStateException("the upgrade status kept changing; try again");
    }

    /**
     * How long a running upgrade may go without a pass before {@link #requeueIfStalled} acts: 3 pass intervals (the
     * drain check interval), and at least 2 minutes, so a pass that retries later (2 intervals) is never taken for lost.
     */
    public static Duration stalledAfter(Duration checkInterval) {
        Duration three = checkInterval.multipliedBy(3);
        return three.compareTo(Duration.ofMinutes(2)) > 0 ? three : Duration.ofMinutes(2);
    }

    /**
     * The backstop for a lost chain of messages, as the capacity check's resumption of a stalled drain is for drains:
     * every pass of a running upgrade records itself (its {@code updatedAt}) before it sends the next message, so a
     * running upgrade whose status has not moved for {@code stalledAfter} has no message on its way that will ever
     * run. Its current step is queued again (what {@code resume} does on a running upgrade); should the old message
     * turn up after all, the step check drops whichever of the two comes second. Returns the status requeued, if any.
     */
    public Optional<UpgradeStatus> requeueIfStalled(Duration stalledAfter) {
        Optional<UpgradeStore.Stored> stored = store.read();
        if (stored.isEmpty() || stored.get().status().state() != UpgradeStatus.State.RUNNING) {
            return Optional.empty();
        }
        UpgradeStatus status = stored.get().status();
        Instant last = status.updatedAt() == null ? status.startedAt() : status.updatedAt();
        if (clock.instant().isBefore(last.plus(stalledAfter))) {
            return Optional.empty();
        }
        queue.send(new UpgradeCodec.Message(status.upgradeId(), status.step()), Duration.ZERO);
        LOG.warning("upgrade " + status.upgradeId() + ": no pass since " + last + " (over " + stalledAfter.toSeconds()
                + " s): its step " + status.step() + " is queued again");
        return Optional.of(status);
    }

    /** Pauses the running upgrade after its current step; a paused one is answered unchanged. */
    public Result pause(String by) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            UpgradeStore.Stored stored = underWay("pause");
            UpgradeStatus status = stored.status();
            if (status.state() == UpgradeStatus.State.PAUSED) {
                return new Result(Optional.of(status), false);
            }
            UpgradeStatus paused = status.paused("paused by " + by).claimed(status.step() + 1, null, clock.instant());
            if (store.replace(paused, stored.etag()).isPresent()) {
                UpgradeAudit.record(audit, status, paused, clock.instant());
                return new Result(Optional.of(paused), true);
            }
        }
        throw new IllegalStateException("the upgrade status kept changing; try again");
    }

    /**
     * Resumes a paused upgrade: the timeouts of instances under way count again from now. A running one is answered
     * unchanged, and its current step is queued once more, in case its chain of messages was lost (a duplicate is
     * dropped by the step check).
     */
    public Result resume(String by) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            UpgradeStore.Stored stored = underWay("resume");
            UpgradeStatus status = stored.status();
            if (status.state() == UpgradeStatus.State.RUNNING) {
                queue.send(new UpgradeCodec.Message(status.upgradeId(), status.step()), Duration.ZERO);
                return new Result(Optional.of(status), false);
            }
            UpgradeStatus resumed = status.resumed(clock.instant());
            if (store.replace(resumed, stored.etag()).isPresent()) {
                UpgradeAudit.record(audit, status, resumed, clock.instant());
                queue.send(new UpgradeCodec.Message(resumed.upgradeId(), resumed.step()), Duration.ZERO);
                LOG.info("upgrade " + resumed.upgradeId() + " resumed by " + by);
                return new Result(Optional.of(resumed), true);
            }
        }
        throw new IllegalStateException("the upgrade status kept changing; try again");
    }

    /** As {@link #startIfBehind(Map)} for the single scale set's pool (the first pool). */
    public Optional<UpgradeStatus> startIfBehind(List<ScaleSetInstance> instances) {
        return startIfBehind(Map.of(pools.get(0).name(), instances));
    }

    /**
     * For HARBORMASTER_UPGRADE_AUTOMATIC: starts an upgrade of every pool that is behind when {@code listed} (a
     * capacity check's listing, by pool name) has an instance behind its pool's model, or older than the newest image
     * of that pool (the newest and the instances' running versions read at most once per {@link #NEWEST_IMAGE_MAX_AGE}
     * per pool by this process), and none is under way. An instance whose image version is unknown is not behind here:
     * an automatic start would otherwise reimage it again at every new version. A paused upgrade stays paused: the
     * operator paused it, or it waits for a host to be fixed.
     */
    public Optional<UpgradeStatus> startIfBehind(Map<String, List<ScaleSetInstance>> listed) {
        boolean anyBehind = false;
        for (UpgradePool pool : pools) {
            List<ScaleSetInstance> instances = listed.getOrDefault(pool.name(), List.of());
            NewestImage newest = recentNewestImage(pool, instances);
            if (!behind(pool, RunningImages.resolve(instances, newest.running(), Map.of()), newest.version(), false)
                    .isEmpty()) {
                anyBehind = true;
            }
        }
        if (!anyBehind) {
            return Optional.empty();
        }
        Result result = start("automatic (" + UpgradeSettings.AUTOMATIC + ")", pools,
                pool -> recentNewestImage(pool, List.of()).version(), false);
        return result.changed() ? result.status() : Optional.empty();
    }

    /** An operator's start reads the newest afresh; the running versions it reads are its own (not cached). */
    private Optional<String> readNewestImage(UpgradePool pool) {
        Optional<String> version = pool.images().newestUnderLatest();
        newestImages.put(pool.name(), new NewestImage(clock.instant(), version, Map.of()));
        return version;
    }

    /**
     * The pool's newest image and its instances' running versions as read at most an hour ago; a failed read counts as
     * none this time and is tried next time.
     */
    private NewestImage recentNewestImage(UpgradePool pool, List<ScaleSetInstance> instances) {
        NewestImage seen = newestImages.get(pool.name());
        if (seen != null && clock.instant().isBefore(seen.at().plus(NEWEST_IMAGE_MAX_AGE))) {
            return seen;
        }
        try {
            Optional<String> version = pool.images().newestUnderLatest();
            Map<String, String> running = RunningImages.read(pool, instances, version).orElse(Map.of());
            NewestImage read = new NewestImage(clock.instant(), version, running);
            newestImages.put(pool.name(), read);
            return read;
        } catch (ScaleSetException e) {
            // The capacity check that called must not fail for it: model changes are still seen.
            LOG.warning("reading the newest image version of pool " + pool.name() + " failed: " + e.getMessage()
                    + "; the next check tries again");
            return seen == null ? new NewestImage(clock.instant(), Optional.empty(), Map.of()) : seen;
        }
    }

    private UpgradeStore.Stored underWay(String verb) {
        Optional<UpgradeStore.Stored> stored = store.read();
        if (stored.isEmpty() || stored.get().status().finished()) {
            throw new NotApplicable("no upgrade is under way to " + verb
                    + (stored.isPresent() ? " (the last one is done)" : ""));
        }
        return stored.get();
    }

    /**
     * Uniform instance ids in numeric order; other ids (a Flexible VM's name, a pool's {@code gpu:3}) after them, in
     * text order, so no id makes the comparison throw.
     */
    static int byInstanceId(String a, String b) {
        boolean numberA = a.matches("\\d{1,18}");
        boolean numberB = b.matches("\\d{1,18}");
        if (numberA && numberB) {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        }
        return numberA != numberB ? (numberA ? -1 : 1) : a.compareTo(b);
    }

    /**
     * The instances of {@code pool} (as its own scale set lists them) behind its model or older than
     * {@code newestImage} (or of an unknown version, when {@code unknownBehind}), zone by zone (zones go one at a
     * time), each in instance id order, with the ids the upgrade records.
     */
    private static List<UpgradeEntry> behind(UpgradePool pool, List<ScaleSetInstance> instances,
            Optional<String> newestImage, boolean unknownBehind) {
        List<UpgradeEntry> entries = new ArrayList<>();
        instances.stream()
                .sorted(Comparator.comparing((ScaleSetInstance instance) -> instance.zone() == null ? "" : instance.zone())
                        .thenComparing(ScaleSetInstance::instanceId, UpgradeControl::byInstanceId))
                .forEach(instance -> UpgradeSnapshot.upgradeMethod(instance, newestImage, unknownBehind).ifPresent(method ->
                        entries.add(UpgradeEntry.pending(pool.name(), pool.qualify(instance.instanceId()),
                                instance.computerName(), method))));
        return entries;
    }
}
