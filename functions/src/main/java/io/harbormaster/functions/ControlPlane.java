package io.harbormaster.functions;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.DockerSettings;
import io.harbormaster.swarm.DockerSwarm;
import io.harbormaster.swarm.Swarm;

/** The core's components, built once per process from app settings, which are validated on the way. */
public final class ControlPlane {
    private static volatile ControlPlane instance;

    private final Swarm swarm;

    ControlPlane(Swarm swarm) {
        this.swarm = swarm;
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
        return new ControlPlane(DockerSwarm.connect(DockerSettings.from(settings)));
    }

    public Swarm swarm() {
        return swarm;
    }
}
