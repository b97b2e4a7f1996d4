package io.harbormaster.functions;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.DockerSettings;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.config.ScaleSetSettings;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.drain.BlobDrainStatusStore;
import io.harbormaster.drain.DrainQueue;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.DrainWorker;
import io.harbormaster.drain.StorageDrainQueue;
import io.harbormaster.scaleset.AzureScaleSet;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.swarm.DockerSwarm;
import io.harbormaster.swarm.Swarm;
import java.time.Clock;
import java.util.Optional;

/** The core's components, built once per process from app settings, which are validated on the way. */
public final class ControlPlane {
    private static volatile ControlPlane instance;

    private final Swarm swarm;
    private final DrainRequests drainRequests;
    private final DrainWorker drainWorker;

    ControlPlane(Swarm swarm, DrainRequests drainRequests, DrainWorker drainWorker) {
        this.swarm = swarm;
        this.drainRequests = drainRequests;
        this.drainWorker = drainWorker;
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
        // Without a scale set (a local swarm, or a cluster whose agents nobody scales) joins and drains still work;
        // only deleteInstance is refused.
        Optional<ScaleSetSettings> scaleSetSettings = settings.optional(ScaleSetSettings.SCALE_SET_NAME).isPresent()
                ? Optional.of(ScaleSetSettings.from(settings))
                : Optional.empty();

        Optional<ScaleSet> scaleSet = scaleSetSettings.map(AzureScaleSet::connect);
        Swarm swarm = DockerSwarm.connect(docker);
        BlobDrainStatusStore statuses = BlobDrainStatusStore.connect(storage).ensureContainer();
        DrainQueue queue = StorageDrainQueue.connect(storage, DrainQueue.NAME).ensureQueue();
        Clock clock = Clock.systemUTC();
        return new ControlPlane(swarm,
                new DrainRequests(swarm, statuses, queue, drain, scaleSet.isPresent(), clock),
                new DrainWorker(swarm, statuses, queue, scaleSet, drain, clock));
    }

    public Swarm swarm() {
        return swarm;
    }

    public DrainRequests drainRequests() {
        return drainRequests;
    }

    public DrainWorker drainWorker() {
        return drainWorker;
    }
}
