package io.harbormaster.functions;

import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.queue.QueueClient;
import io.harbormaster.audit.AuditRetention;
import io.harbormaster.audit.AuditSettings;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.audit.BlobAuditTrail;
import io.harbormaster.audit.RecentEvents;
import io.harbormaster.capacity.BlobCapacityState;
import io.harbormaster.capacity.CapacityCheck;
import io.harbormaster.capacity.CapacitySettings;
import io.harbormaster.capacity.Pool;
import io.harbormaster.capacity.PoolSettings;
import io.harbormaster.capacity.CapacityState;
import io.harbormaster.capacity.EventDrivenChecks;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.DockerSettings;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.config.JoinTokenSettings;
import io.harbormaster.config.ScaleSetSettings;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.config.TlsMaterial;
import io.harbormaster.drain.BlobDrainStatusStore;
import io.harbormaster.drain.DrainQueue;
import io.harbormaster.lifecycle.RebalanceSettings;
import io.harbormaster.lifecycle.Rebalancer;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainStatusStore;
import io.harbormaster.drain.DrainWorker;
import io.harbormaster.drain.StorageDrainQueue;
import io.harbormaster.lifecycle.RebalancePlanner;
import io.harbormaster.lifecycle.upgrade.BlobUpgradeStore;
import io.harbormaster.lifecycle.upgrade.StorageUpgradeQueue;
import io.harbormaster.lifecycle.upgrade.UpgradeControl;
import io.harbormaster.lifecycle.upgrade.UpgradePool;
import io.harbormaster.lifecycle.upgrade.UpgradeProgress;
import io.harbormaster.lifecycle.upgrade.UpgradeQueue;
import io.harbormaster.lifecycle.upgrade.UpgradeSettings;
import io.harbormaster.lifecycle.upgrade.UpgradeStore;
import io.harbormaster.lifecycle.upgrade.UpgradeWorker;
import io.harbormaster.metrics.ControlPlaneMetrics;
import io.harbormaster.scaleset.AzureImageCatalog;
import io.harbormaster.scaleset.AzureScaleSet;
import io.harbormaster.scaleset.ImageCatalog;
import io.harbormaster.scaleset.PoolScaleSets;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.storage.OnFirstUse;
import io.harbormaster.storage.StorageClients;
import io.harbormaster.swarm.DockerSwarm;
import io.harbormaster.swarm.JoinTicketCache;
import io.harbormaster.swarm.JoinTokenRotation;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Swarm;
import io.harbormaster.trust.BlobTrustStore;
import io.harbormaster.trust.NodeAuthority;
import io.harbormaster.trust.OperatorAuth;
import io.harbormaster.trust.OperatorAuthSettings;
import io.harbormaster.trust.OperatorSessions;
import io.harbormaster.trust.TrustKey;
import io.harbormaster.trust.TrustSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The core's components, built once per process from app settings, which are validated on the way.
 *
 * <p>The Azure Functions Java worker keeps one JVM per worker process and loads our classes once in it, so this
 * static instance, and the state it holds (the {@link JoinTicketCache} above all), lives per worker process: each
 * process of each instance of the app keeps and refreshes its own copy.
 *
 * <p>Building it validates every setting and connects to nothing but the swarm's ticket reads: storage (drain
 * statuses, queues, capacity state, trust marks and key) is reached on the first call that needs it, and warmed by
 * a background thread {@link #WARM_UP_AFTER} after the first ticket read. So the first join after a cold start waits neither for
 * storage nor for ARM, and a storage outage at startup fails only the routes that need storage.
 */
public final class ControlPlane {
    /**
     * Storage and attestation caches are warmed this long after the first ticket read: the first join, which needs
     * none of them, has the CPU (two cores) before.
     */
    static final Duration WARM_UP_AFTER = Duration.ofSeconds(1);
    private static final Duration FIRST_TICKET_WAIT = Duration.ofSeconds(10);
    private static final Logger LOG = Logger.getLogger(ControlPlane.class.getName());
    private static volatile ControlPlane instance;

    private final Swarm swarm;
    private final JoinTicketCache joinTickets;
    private final DrainRequests drainRequests;
    private final DrainWorker drainWorker;
    private final Optional<CapacityCheck> capacityCheck;
    private final Supplier<QueueClient> capacityChecks;
    private final Optional<NodeAuthority> nodeAuthority;
    private final List<Runnable> warmUps;
    private final JoinTokenRotation joinTokenRotation;
    private final Optional<Instant> dockerClientCertificateNotAfter;
    private final OperatorAuth operatorAuth;
    private final AuditRetention auditRetention;
    private final RecentEvents recentEvents;
    private final Optional<EventDrivenChecks> eventDrivenChecks;
    private final Optional<RollingUpgrade> upgrade;

    /**
     * The rolling upgrade's parts; present with a scale set.
     *
     * @param stalledAfter how long a running upgrade may go without a pass before its step is queued again
     */
    record RollingUpgrade(UpgradeControl control, UpgradeWorker worker, UpgradeSettings settings,
            Duration stalledAfter) {
    }

    private ControlPlane(Swarm swarm, JoinTicketCache joinTickets, DrainRequests drainRequests, DrainWorker drainWorker,
            Optional<CapacityCheck> capacityCheck, Supplier<QueueClient> capacityChecks,
            Optional<NodeAuthority> nodeAuthority, List<Runnable> warmUps, JoinTokenRotation joinTokenRotation,
            Optional<Instant> dockerClientCertificateNotAfter, OperatorAuth operatorAuth, AuditRetention auditRetention,
            Optional<EventDrivenChecks> eventDrivenChecks, Optional<RollingUpgrade> upgrade) {
        this.upgrade = upgrade;
        this.operatorAuth = operatorAuth;
        this.auditRetention = auditRetention;
        this.recentEvents = new RecentEvents(auditRetention.trail(), Clock.systemUTC());
        this.eventDrivenChecks = eventDrivenChecks;
        this.joinTokenRotation = joinTokenRotation;
        this.dockerClientCertificateNotAfter = dockerClientCertificateNotAfter;
        this.nodeAuthority = nodeAuthority;
        this.swarm = swarm;
        this.joinTickets = joinTickets;
        this.drainRequests = drainRequests;
        this.drainWorker = drainWorker;
        this.capacityCheck = capacityCheck;
        this.capacityChecks = capacityChecks;
        this.warmUps = List.copyOf(warmUps);
    }

    /** Throws {@link io.harbormaster.config.InvalidSettingException} naming the first bad setting; nothing is cached then. */
    public static ControlPlane instance() {
        ControlPlane current = instance;
        if (current == null) {
            synchronized (ControlPlane.class) {
                current = instance;
                if (current == null) {
                    current = from(AppSettings.fromEnvironment(), DockerSwarm::connect);
                    current.warmInBackground(WARM_UP_AFTER);
                    instance = current;
                }
            }
        }
        return current;
    }

    /** Validates every setting, then builds the components; only the swarm's ticket reads start now. */
    static ControlPlane from(AppSettings settings, Function<DockerSettings, Swarm> swarms) {
        StartupTrace.mark("control plane: reading settings");
        // Every setting is read before anything is built, so a bad one is reported before any side effect.
        DockerSettings docker = DockerSettings.from(settings);
        StorageSettings storage = StorageSettings.from(settings);
        DrainSettings drain = DrainSettings.from(settings);
        CapacitySettings capacity = CapacitySettings.from(settings);
        PoolSettings pools = PoolSettings.from(settings, capacity.policy());
        Optional<TrustSettings> trust = TrustSettings.from(settings);
        JoinTokenSettings joinTokens = JoinTokenSettings.from(settings);
        OperatorAuthSettings operators = OperatorAuthSettings.from(settings);
        AuditSettings auditSettings = AuditSettings.from(settings);
        RebalanceSettings rebalance = RebalanceSettings.from(settings);
        UpgradeSettings upgradeSettings = UpgradeSettings.from(settings);
        Optional<Instant> clientCertificateNotAfter = docker.tls().map(TlsMaterial::clientCertificateNotAfter);
        Map<String, PoolArm> poolArms = poolArms(settings, pools);
        Map<String, ScaleSet> poolScaleSets = new LinkedHashMap<>();
        poolArms.forEach((name, arm) -> poolScaleSets.put(name, arm.scaleSet()));
        // Drains and attestation find an instance in any pool's scale set.
        Optional<ScaleSet> scaleSet = poolScaleSets.size() <= 1 ? poolScaleSets.values().stream().findFirst()
                : Optional.of(new PoolScaleSets(poolScaleSets));
        // The storage connection is checked (a connection string that does not parse is a bad setting; nothing is
        // sent) while the swarm's client is built: both mostly load classes, and a cold start has two cores to do it.
        CompletableFuture<StorageClients> checkedStorage = CompletableFuture.supplyAsync(
                () -> StorageClients.connect(storage).validated());
        Swarm swarm = swarms.apply(docker);
        Clock clock = Clock.systemUTC();
        // The first ticket read (a GET, no side effect) starts before the storage check ends: it is the first join's
        // longest wait. A bad storage setting stops it again.
        JoinTicketCache tickets = JoinTicketCache.refreshingInBackground(swarm, clock);
        StartupTrace.mark("control plane: swarm client built, first ticket read started");
        StorageClients storageClients;
        try {
            storageClients = joined(checkedStorage);
        } catch (RuntimeException e) {
            tickets.close();
            throw e;
        }
        LOG.info(() -> "Storage: " + storage);
        StartupTrace.mark("control plane: settings valid");

        OnFirstUse<DrainStatusStore> statusStore = new OnFirstUse<>(BlobDrainStatusStore.CONTAINER,
                () -> BlobDrainStatusStore.connect(storageClients).ensureContainer());
        OnFirstUse<DrainQueue> drainQueue = new OnFirstUse<>(DrainQueue.NAME,
                () -> StorageDrainQueue.connect(storageClients, DrainQueue.NAME).ensureQueue());
        OnFirstUse<BlobCapacityState> capacityState = new OnFirstUse<>(BlobCapacityState.CONTAINER,
                () -> BlobCapacityState.connect(storageClients).ensureContainer());
        OnFirstUse<QueueClient> checks = new OnFirstUse<>(CapacityFunction.QUEUE, () -> {
            QueueClient queue = storageClients.queue(CapacityFunction.QUEUE, new RequestRetryOptions());
            queue.createIfNotExists();
            return queue;
        });
        DrainStatusStore statuses = statusStore.as(DrainStatusStore.class);
        DrainQueue queue = drainQueue.as(DrainQueue.class);
        // Nothing is sent until the first event or read; each event is counted in the metrics as it is recorded.
        ControlPlaneMetrics metrics = ControlPlaneMetrics.global();
        AuditTrail audit = metrics.metered(BlobAuditTrail.connect(storageClients));
        DrainRequests drains = new DrainRequests(swarm, statuses, queue, drain, scaleSet, clock, audit);
        List<CapacityCheck.PoolPort> ports = new ArrayList<>();
        for (Pool pool : pools.pools()) {
            // One container, lease and pause switch; a history per pool.
            CapacityState history = new OnFirstUse<CapacityState>("capacity history of pool " + pool.name(),
                    () -> capacityState.get().forPool(pool.name())).as(CapacityState.class);
            ports.add(new CapacityCheck.PoolPort(pool, poolScaleSets.get(pool.name()), history));
        }
        Optional<CapacityCheck> check = ports.isEmpty() ? Optional.empty() : Optional.of(new CapacityCheck(swarm, ports,
                statuses, drains, capacity.policy(), clock, audit, metrics, new Rebalancer(swarm, rebalance, audit)));
        Optional<NodeAuthority> nodes = trust.map(t -> NodeAuthority.connect(t, storageClients, scaleSet.orElseThrow(), clock,
                audit));
        LOG.info(() -> "Node attestation: " + trust.map(Object::toString)
                .orElse("off (" + TrustSettings.TRUST_PEM + " is not set; /api/node/* answer 503)"));
        // The status page's sessions are signed with the trust key: the setting's, else the one kept in storage
        // (the same blob attestation uses), read on the first login or page view.
        Supplier<TrustKey> sessionKey = operators.trustKey().<Supplier<TrustKey>>map(key -> () -> key)
                .orElseGet(() -> new OnFirstUse<>("stored trust key (status page)", () -> BlobTrustStore.connect(
                        storageClients, Duration.ofMinutes(5), clock).ensureContainer().storedKey()));
        OperatorAuth operatorAuth = new OperatorAuth(operators,
                new OperatorSessions(sessionKey, operators.sessionLifetime(), clock));
        LOG.info(() -> "Status page: " + operatorAuth);
        List<Runnable> warmUps = new ArrayList<>();
        // The attestation caches first: a booting node's join needs them, a drain or capacity check can wait.
        nodes.ifPresent(authority -> warmUps.add(authority::warm));
        warmUps.add(statusStore::get);
        warmUps.add(drainQueue::get);
        if (check.isPresent()) {
            warmUps.add(capacityState::get);
        }
        warmUps.add(checks::get);
        // A check a second at most for the swarm's events; the message is the autoscale webhook's, with nothing announced.
        Optional<EventDrivenChecks> eventChecks = check.map(any -> new EventDrivenChecks(delay -> checks.get()
                .sendMessageWithResponse("{}", delay, null, Duration.ofSeconds(10), com.azure.core.util.Context.NONE),
                Duration.ofSeconds(1), clock));
        // A status stored before pools covered the first pool, which keeps bare instance ids.
        String firstPool = pools.pools().isEmpty() ? Pool.DEFAULT_NAME : pools.pools().get(0).name();
        OnFirstUse<UpgradeStore> upgradeStore = new OnFirstUse<>(BlobUpgradeStore.CONTAINER,
                () -> BlobUpgradeStore.connect(storageClients, firstPool).ensureContainer());
        OnFirstUse<UpgradeQueue> upgradeQueue = new OnFirstUse<>(UpgradeQueue.NAME,
                () -> StorageUpgradeQueue.connect(storageClients).ensureQueue());
        // Every pool, in the settings' order: each with its own scale set, image catalog (both from the one settings
        // object per pool) and maximum; instance ids as the drains resolve them (bare in the first pool). The catalog
        // also gives the versions a gallery image's instances run, at an upgrade's start and passes.
        List<UpgradePool> upgradePools = new ArrayList<>();
        for (Pool pool : pools.pools()) {
            PoolArm arm = poolArms.get(pool.name());
            if (arm != null) {
                upgradePools.add(new UpgradePool(pool.name(), arm.scaleSet(), arm.images(), pool.maxAgents(),
                        pool.name().equals(firstPool)));
            }
        }
        // "Its share of tasks is back": while the rebalance still has moves to make (or one under way), or has not yet
        // seen a rejoined node, that worker counts as not back, so the upgrade goes on only once the spread is even.
        Function<List<Node>, Set<String>> sharesNotBack = live -> check.filter(any -> rebalance.enabled())
                .map(CapacityCheck::sharedSnapshot)
                .map(snapshot -> RebalancePlanner.sharesNotBack(snapshot, live))
                .orElse(Set.of());
        Optional<RollingUpgrade> upgrade = upgradePools.isEmpty() ? Optional.empty() : Optional.of(new RollingUpgrade(
                new UpgradeControl(upgradePools, upgradeStore.as(UpgradeStore.class),
                        upgradeQueue.as(UpgradeQueue.class), clock, audit),
                new UpgradeWorker(swarm, upgradePools, drains, upgradeStore.as(UpgradeStore.class),
                        upgradeQueue.as(UpgradeQueue.class), new UpgradeProgress.Pacing(upgradeSettings.batchSize(),
                                upgradeSettings.rejoinTimeout(), drain.checkInterval()),
                        sharesNotBack, clock, audit),
                upgradeSettings, UpgradeControl.stalledAfter(drain.checkInterval())));
        JoinTokenRotation rotation = new JoinTokenRotation(swarm, tickets, joinTokens.rotationInterval(), clock, audit);
        LOG.info(() -> "Join tokens: " + rotation + "; Docker client certificate: "
                + clientCertificateNotAfter.map(at -> "valid until " + at).orElse("none (no TLS)"));
        StartupTrace.mark("control plane: built");
        int maxAgents = pools.pools().isEmpty() ? capacity.policy().maxAgents()
                : pools.pools().stream().mapToInt(Pool::maxAgents).sum();
        return new ControlPlane(swarm, tickets, drains, new DrainWorker(swarm, statuses, queue, scaleSet, drain, clock,
                maxAgents, audit),
                check, checks, nodes, warmUps, rotation, clientCertificateNotAfter, operatorAuth,
                new AuditRetention(audit, auditSettings.retention(), clock), eventChecks, upgrade);
    }

    private static <T> T joined(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /**
     * On a daemon thread, once the first worker ticket read has ended (10 s at most) and {@code delay} more has
     * passed, builds what was left for its first use: the trust container, key and machine list, then the storage
     * containers and queues. A failure is logged and left to the first use, which tries again.
     */
    void warmInBackground(Duration delay) {
        Thread thread = new Thread(() -> {
            try {
                joinTickets.awaitFirstWarm(FIRST_TICKET_WAIT);
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            StartupTrace.mark("control plane: warm-up started");
            warm();
            StartupTrace.mark("control plane: warm-up done");
        }, "control-plane-warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    /** Builds every part left for its first use now; true when all could be built. */
    boolean warm() {
        boolean all = true;
        for (Runnable warmUp : warmUps) {
            try {
                warmUp.run();
            } catch (RuntimeException e) {
                all = false;
                // The class only: an SDK message may quote a URL with a SAS token.
                LOG.warning("warm-up: " + e.getClass().getSimpleName()
                        + "; storage or ARM is tried again when a call needs it");
            }
        }
        return all;
    }

    /** A pool's ARM ports, both built from the one validated {@link ScaleSetSettings} of its scale set. */
    record PoolArm(ScaleSet scaleSet, ImageCatalog images) {
    }

    /**
     * The Azure scale set when {@code HARBORMASTER_SCALE_SET_NAME} is set (in Azure, or the local emulator that
     * {@code HARBORMASTER_AZURE_CLOUD} names), else none: joins and drains still work without one, only deleteInstance
     * is refused. Its settings are validated now; its client is built, and anything sent, on the first call.
     */
    static Optional<ScaleSet> scaleSet(AppSettings settings) {
        return singleArm(settings).map(PoolArm::scaleSet);
    }

    /** The single scale set's ports, as {@link #scaleSet(AppSettings)} describes; none without its name. */
    private static Optional<PoolArm> singleArm(AppSettings settings) {
        if (settings.optional(ScaleSetSettings.SCALE_SET_NAME).isEmpty()) {
            LOG.info("Scale set: none (deleteInstance is refused)");
            return Optional.empty();
        }
        PoolArm arm = arm(ScaleSetSettings.from(settings), "");
        LOG.info(() -> "Scale set: " + arm.scaleSet());
        return Optional.of(arm);
    }

    /**
     * Each pool's scale set and image catalog by pool name, in the order of the pools; none without a scale set. The
     * single scale set's settings make one; each pool of {@code HARBORMASTER_POOLS} its own, in the subscription of
     * the settings and the pool's resource group (the cluster's unless it names its own). Built on their first call.
     */
    static Map<String, PoolArm> poolArms(AppSettings settings, PoolSettings pools) {
        Map<String, PoolArm> byPool = new LinkedHashMap<>();
        if (settings.optional(PoolSettings.POOLS).isEmpty()) {
            singleArm(settings).ifPresent(arm -> byPool.put(pools.pools().get(0).name(), arm));
            return byPool;
        }
        for (Pool pool : pools.pools()) {
            ScaleSetSettings target = pool.resourceGroup() == null
                    ? ScaleSetSettings.inClusterGroup(settings, pool.scaleSetName())
                    : ScaleSetSettings.inGroup(settings, pool.scaleSetName(), pool.resourceGroup());
            byPool.put(pool.name(), arm(target, " (pool " + pool.name() + ")"));
        }
        LOG.info(() -> "Scale sets: " + byPool);
        return byPool;
    }

    /** The scale set and image catalog of {@code target}, each built (and anything sent) on its first call. */
    private static PoolArm arm(ScaleSetSettings target, String label) {
        String where = target.resourceGroup() + "/" + target.scaleSetName() + label;
        return new PoolArm(
                new OnFirstUse<ScaleSet>("AzureScaleSet " + where, () -> AzureScaleSet.connect(target)).as(ScaleSet.class),
                new OnFirstUse<ImageCatalog>("AzureImageCatalog " + where, () -> AzureImageCatalog.connect(target))
                        .as(ImageCatalog.class));
    }

    public Swarm swarm() {
        return swarm;
    }

    /** The join tickets of this process, refreshed in the background while nodes ask for them. */
    public JoinTicketCache joinTickets() {
        return joinTickets;
    }

    public DrainRequests drainRequests() {
        return drainRequests;
    }

    public DrainWorker drainWorker() {
        return drainWorker;
    }

    /** Present when a scale set is configured: without one there is nothing to scale. */
    public Optional<CapacityCheck> capacityCheck() {
        return capacityCheck;
    }

    /** Present when attestation is configured ({@code HARBORMASTER_ATTESTATION_TRUST_PEM}). */
    /** Who may see the status page: its sign-in and session cookie, or App Service authentication's principal. */
    public OperatorAuth operatorAuth() {
        return operatorAuth;
    }

    public Optional<NodeAuthority> nodeAuthority() {
        return nodeAuthority;
    }

    /** Rotates the join tokens on demand and on the schedule of {@code HARBORMASTER_JOIN_TOKEN_ROTATION}. */
    public JoinTokenRotation joinTokenRotation() {
        return joinTokenRotation;
    }

    /** When the client certificate for the managers' Docker API expires; empty without TLS (a local socket). */
    /** Capacity checks asked for by the swarm's events; none without a scale set. */
    public Optional<EventDrivenChecks> eventDrivenChecks() {
        return eventDrivenChecks;
    }

    /** The rolling upgrade's start, pause and resume; none without a scale set. */
    public Optional<UpgradeControl> upgradeControl() {
        return upgrade.map(RollingUpgrade::control);
    }

    /** The rolling upgrade's passes; none without a scale set. */
    public Optional<UpgradeWorker> upgradeWorker() {
        return upgrade.map(RollingUpgrade::worker);
    }

    /**
     * The rolling upgrade's backstop, run by the capacity timer: a running upgrade with no pass for 3 drain check
     * intervals, and at least 2 minutes, gets its step queued again ({@link UpgradeControl#requeueIfStalled}).
     */
    public Optional<Runnable> upgradeBackstop() {
        return upgrade.map(parts -> () -> parts.control().requeueIfStalled(parts.stalledAfter()));
    }

    /** The upgrade's control when HARBORMASTER_UPGRADE_AUTOMATIC is on: the capacity timer starts it on a model change. */
    public Optional<UpgradeControl> automaticUpgrade() {
        return upgrade.filter(parts -> parts.settings().automatic()).map(RollingUpgrade::control);
    }

    /** The audit trail's newest events, as the status page shows them. */
    public RecentEvents recentEvents() {
        return recentEvents;
    }

    /** The audit trail and how long it keeps events. */
    public AuditRetention auditRetention() {
        return auditRetention;
    }

    public Optional<Instant> dockerClientCertificateNotAfter() {
        return dockerClientCertificateNotAfter;
    }

    /** The queue that asks for a capacity check now (the autoscale webhook writes to it); created on first use. */
    public QueueClient capacityChecksQueue() {
        return capacityChecks.get();
    }
}
