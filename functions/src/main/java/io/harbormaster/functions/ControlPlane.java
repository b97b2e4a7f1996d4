package io.harbormaster.functions;

import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.queue.QueueClient;
import io.harbormaster.capacity.BlobCapacityState;
import io.harbormaster.capacity.CapacityCheck;
import io.harbormaster.config.AppSettings;
import io.harbormaster.capacity.CapacitySettings;
import io.harbormaster.config.DockerSettings;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.config.ScaleSetSettings;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.config.JoinTokenSettings;
import io.harbormaster.config.TlsMaterial;
import io.harbormaster.drain.BlobDrainStatusStore;
import io.harbormaster.drain.DrainQueue;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainWorker;
import io.harbormaster.drain.StorageDrainQueue;
import io.harbormaster.scaleset.AzureScaleSet;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.storage.StorageClients;
import io.harbormaster.swarm.DockerSwarm;
import io.harbormaster.swarm.JoinTicketCache;
import io.harbormaster.swarm.JoinTokenRotation;
import io.harbormaster.swarm.Swarm;
import io.harbormaster.trust.NodeAuthority;
import io.harbormaster.trust.TrustSettings;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The core's components, built once per process from app settings, which are validated on the way.
 *
 * <p>The Azure Functions Java worker keeps one JVM per worker process and loads our classes once in it, so this
 * static instance, and the state it holds (the {@link JoinTicketCache} above all), lives per worker process: each
 * process of each instance of the app keeps and refreshes its own copy.
 */
public final class ControlPlane {
    private static final Logger LOG = Logger.getLogger(ControlPlane.class.getName());
    private static volatile ControlPlane instance;

    private final Swarm swarm;
    private final JoinTicketCache joinTickets;
    private final DrainRequests drainRequests;
    private final DrainWorker drainWorker;
    private final Optional<CapacityCheck> capacityCheck;
    private final QueueClient capacityChecks;
    private final Optional<NodeAuthority> nodeAuthority;
    private final JoinTokenRotation joinTokenRotation;
    private final Optional<Instant> dockerClientCertificateNotAfter;

    ControlPlane(Swarm swarm, JoinTicketCache joinTickets, DrainRequests drainRequests, DrainWorker drainWorker,
            Optional<CapacityCheck> capacityCheck, QueueClient capacityChecks) {
        this(swarm, joinTickets, drainRequests, drainWorker, capacityCheck, capacityChecks, Optional.empty());
    }

    ControlPlane(Swarm swarm, JoinTicketCache joinTickets, DrainRequests drainRequests, DrainWorker drainWorker,
            Optional<CapacityCheck> capacityCheck, QueueClient capacityChecks, Optional<NodeAuthority> nodeAuthority) {
        this(swarm, joinTickets, drainRequests, drainWorker, capacityCheck, capacityChecks, nodeAuthority,
                new JoinTokenRotation(swarm, joinTickets, Optional.empty(), Clock.systemUTC()), Optional.empty());
    }

    ControlPlane(Swarm swarm, JoinTicketCache joinTickets, DrainRequests drainRequests, DrainWorker drainWorker,
            Optional<CapacityCheck> capacityCheck, QueueClient capacityChecks, Optional<NodeAuthority> nodeAuthority,
            JoinTokenRotation joinTokenRotation, Optional<Instant> dockerClientCertificateNotAfter) {
        this.joinTokenRotation = joinTokenRotation;
        this.dockerClientCertificateNotAfter = dockerClientCertificateNotAfter;
        this.nodeAuthority = nodeAuthority;
        this.swarm = swarm;
        this.joinTickets = joinTickets;
        this.drainRequests = drainRequests;
        this.drainWorker = drainWorker;
        this.capacityCheck = capacityCheck;
        this.capacityChecks = capacityChecks;
    }

    /** Throws {@link io.harbormaster.config.InvalidSettingException} naming the first bad setting; nothing is cached then. */
    public static ControlPlane instance() {
        ControlPlane current = instance;
        if (current == null) {
            synchronized (ControlPlane.class) {
                current = instance;
                if (current == null) {
                    current = from(AppSettings.fromEnvironment());
                    instance = current;
                }
            }
        }
        return current;
    }

    static ControlPlane from(AppSettings settings) {
        // Every setting is read before anything connects, so a bad one is reported before any side effect.
        DockerSettings docker = DockerSettings.from(settings);
        StorageSettings storage = StorageSettings.from(settings);
        DrainSettings drain = DrainSettings.from(settings);
        CapacitySettings capacity = CapacitySettings.from(settings);
        Optional<TrustSettings> trust = TrustSettings.from(settings);
        JoinTokenSettings joinTokens = JoinTokenSettings.from(settings);
        Optional<Instant> clientCertificateNotAfter = docker.tls().map(TlsMaterial::clientCertificateNotAfter);
        Optional<ScaleSet> scaleSet = scaleSet(settings);
        StorageClients storageClients = StorageClients.connect(storage);
        LOG.info(() -> "Storage: " + storage);
        Swarm swarm = DockerSwarm.connect(docker);
        BlobDrainStatusStore statuses = BlobDrainStatusStore.connect(storageClients).ensureContainer();
        DrainQueue queue = StorageDrainQueue.connect(storageClients, DrainQueue.NAME).ensureQueue();
        Clock clock = Clock.systemUTC();
        DrainRequests drains = new DrainRequests(swarm, statuses, queue, drain, scaleSet, clock);
        Optional<CapacityCheck> check = scaleSet.map(set -> new CapacityCheck(swarm, set, statuses, drains,
                BlobCapacityState.connect(storageClients).ensureContainer(), capacity.policy(), clock));
        QueueClient checks = storageClients.queue(CapacityFunction.QUEUE, new RequestRetryOptions());
        checks.createIfNotExists();
        Optional<NodeAuthority> nodes = trust.map(t -> NodeAuthority.connect(t, storageClients, scaleSet.orElseThrow(), clock));
        LOG.info(() -> "Node attestation: " + trust.map(Object::toString)
                .orElse("off (" + TrustSettings.TRUST_PEM + " is not set; /api/node/* answer 503)"));
        JoinTicketCache tickets = JoinTicketCache.refreshingInBackground(swarm, clock);
        JoinTokenRotation rotation = new JoinTokenRotation(swarm, tickets, joinTokens.rotationInterval(), clock);
        LOG.info(() -> "Join tokens: " + rotation + "; Docker client certificate: "
                + clientCertificateNotAfter.map(at -> "valid until " + at).orElse("none (no TLS)"));
        return new ControlPlane(swarm, tickets, drains,
                new DrainWorker(swarm, statuses, queue, scaleSet, drain, clock), check, checks, nodes, rotation,
                clientCertificateNotAfter);
    }

    /**
     * The Azure scale set when {@code HARBORMASTER_SCALE_SET_NAME} is set (in Azure, or the local emulator that
     * {@code HARBORMASTER_AZURE_CLOUD} names), else none: joins and drains still work without one, only deleteInstance
     * is refused. Nothing is sent before the first call.
     */
    static Optional<ScaleSet> scaleSet(AppSettings settings) {
        Optional<ScaleSet> scaleSet = settings.optional(ScaleSetSettings.SCALE_SET_NAME).isPresent()
                ? Optional.of(AzureScaleSet.connect(ScaleSetSettings.from(settings)))
                : Optional.empty();
        LOG.info(() -> "Scale set: " + scaleSet.map(Object::toString).orElse("none (deleteInstance is refused)"));
        return scaleSet;
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
    public Optional<NodeAuthority> nodeAuthority() {
        return nodeAuthority;
    }

    /** Rotates the join tokens on demand and on the schedule of {@code HARBORMASTER_JOIN_TOKEN_ROTATION}. */
    public JoinTokenRotation joinTokenRotation() {
        return joinTokenRotation;
    }

    /** When the client certificate for the managers' Docker API expires; empty without TLS (a local socket). */
    public Optional<Instant> dockerClientCertificateNotAfter() {
        return dockerClientCertificateNotAfter;
    }

    /** The queue that asks for a capacity check now (the autoscale webhook writes to it). */
    public QueueClient capacityChecksQueue() {
        return capacityChecks;
    }
}
