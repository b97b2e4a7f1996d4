package io.harbormaster.drain;

import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The rules of a surge drain, as pure functions: which services to surge, scaling them up by the node's replicas,
 * telling when those run, and scaling them back. Swarm's own drain stops a task before it starts the replacement
 * (even with start-first updates), so a service labelled {@code io.harbormaster.drain=surge} gets its extra
 * replicas first, on other nodes, and loses the node's ones only then.
 */
final class SurgeDrain {
    /** A status with the surge phases brought up to date, and the action to take now, or none. */
    record Step(DrainStatus status, DrainAction action) {
    }

    private SurgeDrain() {
    }

    /** One entry per surge-labelled replicated service with tasks the node runs (or is starting), in task order. */
    static List<SurgeEntry> plan(String nodeId, List<Task> tasksOnNode, List<Service> services) {
        Map<String, Long> onNode = new LinkedHashMap<>();
        for (Task task : tasksOnNode) {
            if (task.desiredRunning() && task.live() && nodeId.equals(task.nodeId()) && task.serviceId() != null) {
                onNode.merge(task.serviceId(), 1L, Long::sum);
            }
        }
        List<SurgeEntry> entries = new ArrayList<>();
        onNode.forEach((serviceId, count) -> find(services, serviceId)
                .filter(Service::surgeOnDrain)
                .ifPresent(service -> entries.add(new SurgeEntry(service.id(), service.name(), service.ownReplicas(), count,
                        SurgeEntry.Phase.PLANNED))));
        return entries;
    }

    /**
     * Scales each planned service up to its recorded original plus the node's replicas (the original is the owner's
     * count, {@link Service#ownReplicas()}, without a rebalance move's extra replica). A service already there was
     * scaled by an earlier delivery that did not get to record it; one at any other count was changed by someone
     * else, and is left alone.
     */
    static Step scaleUp(DrainStatus status, List<Service> services) {
        DrainStatus current = status;
        for (SurgeEntry entry : status.surge()) {
            if (entry.phase() != SurgeEntry.Phase.PLANNED) {
                continue;
            }
            Optional<Service> service = find(services, entry.serviceId());
            if (service.isEmpty()) {
                current = current.withSurgePhase(entry.serviceId(), SurgeEntry.Phase.RESTORED);
            } else if (service.get().replicas() == entry.surgedReplicas()) {
                current = current.withSurgePhase(entry.serviceId(), SurgeEntry.Phase.SURGED);
            } else if (service.get().ownReplicas() == entry.originalReplicas()) {
                // At its original, or one above it by a rebalance move under way: that move stands aside once it sees
                // the surge's count, and the restore comes back to the owner's count.
                return new Step(current, new DrainAction.ScaleService(service.get(), entry.surgedReplicas()));
            } else {
                current = current.withSurgePhase(entry.serviceId(), SurgeEntry.Phase.LEFT_ALONE);
            }
        }
        return new Step(current, null);
    }

    /** Whether every surged service runs at least its original replica count on nodes other than this one. */
    static boolean replicasRunElsewhere(DrainStatus status, String nodeId, List<Task> servicesDesiredRunning) {
        for (SurgeEntry entry : status.surge()) {
            if (entry.phase() != SurgeEntry.Phase.SURGED) {
                continue;
            }
            long elsewhere = servicesDesiredRunning.stream()
                    .filter(task -> entry.serviceId().equals(task.serviceId()) && task.running()
                            && !Objects.equals(task.nodeId(), nodeId))
                    .count();
            if (elsewhere < entry.originalReplicas()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Scales each outstanding service back to its recorded original, once: a service found at the original already was
     * scaled back by an earlier delivery, and one at neither count was changed by someone else and is left alone.
     */
    static Step restore(DrainStatus status, List<Service> services) {
        DrainStatus current = status;
        for (SurgeEntry entry : status.surge()) {
            if (entry.phase() != SurgeEntry.Phase.PLANNED && entry.phase() != SurgeEntry.Phase.SURGED) {
                continue;
            }
            Optional<Service> service = find(services, entry.serviceId());
            if (service.isEmpty() || service.get().replicas() == entry.originalReplicas()) {
                current = current.withSurgePhase(entry.serviceId(), SurgeEntry.Phase.RESTORED);
            } else if (service.get().replicas() == entry.surgedReplicas()) {
                return new Step(current, new DrainAction.ScaleService(service.get(), entry.originalReplicas()));
            } else {
                current = current.withSurgePhase(entry.serviceId(), SurgeEntry.Phase.LEFT_ALONE);
            }
        }
        return new Step(current, null);
    }

    private static Optional<Service> find(List<Service> services, String serviceId) {
        return services.stream().filter(service -> service.id().equals(serviceId)).findFirst();
    }
}
