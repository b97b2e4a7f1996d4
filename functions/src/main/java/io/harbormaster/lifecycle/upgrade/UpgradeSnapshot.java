package io.harbormaster.lifecycle.upgrade;

import io.harbormaster.capacity.Pool;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ImageVersions;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What one upgrade pass read before deciding: the pool under way, its scale set and instances, and the swarm.
 *
 * @param pool               the pool read; its instances are listed with the ids the upgrade records
 * @param drains             the stored drain statuses of the entries' nodes (the latest of each hostname)
 * @param newestImageVersion the newest published version of the model's image when the model says {@code latest},
 *                           else empty (then only {@code latestModelApplied} tells an instance is behind)
 * @param sharesNotBack      ids of rejoined nodes that have not yet got their share of tasks back (the rebalance's
 *                           answer; empty while no rebalance is wired in)
 * @param maxAgents          the most agents the pool's scale set may hold (its {@code max}, or
 *                           HARBORMASTER_CAPACITY_MAX_AGENTS): a surge only below it
 * @param unknownImageBehind ids of the instances whose image version, when unknown (a gallery image whose disk ARM
 *                           does not list, and that no upgrade recorded), counts as older than
 *                           {@code newestImageVersion}: the entries an operator's start chose and not yet upgraded
 */
public record UpgradeSnapshot(
        String pool,
        ScaleSetModel scaleSet,
        List<ScaleSetInstance> instances,
        List<Node> nodes,
        List<DrainStatus> drains,
        Optional<String> newestImageVersion,
        Set<String> sharesNotBack,
        int maxAgents,
        Set<String> unknownImageBehind) {

    /** A snapshot of the single scale set's pool, where an unknown image version is not compared. */
    public UpgradeSnapshot(ScaleSetModel scaleSet, List<ScaleSetInstance> instances, List<Node> nodes,
            List<DrainStatus> drains, Optional<String> newestImageVersion, Set<String> sharesNotBack, int maxAgents) {
        this(Pool.DEFAULT_NAME, scaleSet, instances, nodes, drains, newestImageVersion, sharesNotBack, maxAgents,
                Set.of());
    }

    /** A snapshot of one pool, where an unknown image version is not compared. */
    public UpgradeSnapshot(String pool, ScaleSetModel scaleSet, List<ScaleSetInstance> instances, List<Node> nodes,
            List<DrainStatus> drains, Optional<String> newestImageVersion, Set<String> sharesNotBack, int maxAgents) {
        this(pool, scaleSet, instances, nodes, drains, newestImageVersion, sharesNotBack, maxAgents, Set.of());
    }

    public UpgradeSnapshot {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(scaleSet, "scaleSet");
        instances = List.copyOf(instances);
        nodes = List.copyOf(nodes);
        drains = List.copyOf(drains);
        Objects.requireNonNull(newestImageVersion, "newestImageVersion");
        sharesNotBack = Set.copyOf(sharesNotBack);
        unknownImageBehind = Set.copyOf(unknownImageBehind);
    }

    Optional<ScaleSetInstance> instance(String instanceId) {
        return instances.stream().filter(instance -> instance.instanceId().equals(instanceId)).findFirst();
    }

    /**
     * The node carrying this hostname that is not down, the one a drain would address; the newest when there are two
     * (a VM that booted a new disk rejoins under a new id before the swarm marks its old node down).
     */
    Optional<Node> liveNode(String hostname) {
        return hostname == null ? Optional.empty() : nodes.stream()
                .filter(node -> node.hostname().equalsIgnoreCase(hostname) && node.state() != Node.State.DOWN)
                .max(Comparator.comparing(Node::createdAt));
    }

    /** A Ready, active node of this hostname other than {@code oldNodeId}: the VM's node after its new disk booted. */
    Optional<Node> rejoined(String hostname, String oldNodeId) {
        return hostname == null ? Optional.empty() : nodes.stream()
                .filter(node -> node.hostname().equalsIgnoreCase(hostname) && node.state() == Node.State.READY
                        && node.availability() == Node.Availability.ACTIVE && !node.id().equals(oldNodeId))
                .findFirst();
    }

    /**
     * The node {@code oldNodeId} itself, Ready again: a VM restarted on its old disk whose agent kept its swarm
     * identity. Its availability is as it was left (drained, when the upgrade drained it).
     */
    Optional<Node> sameNodeBack(String oldNodeId) {
        return oldNodeId == null ? Optional.empty() : nodes.stream()
                .filter(node -> node.id().equals(oldNodeId) && node.state() == Node.State.READY)
                .findFirst();
    }

    /** The stored drain of this hostname, whichever request it is. */
    Optional<DrainStatus> latestDrainNamed(String hostname) {
        return hostname == null ? Optional.empty() : drains.stream()
                .filter(drain -> drain.request().hostname().equalsIgnoreCase(hostname)).findFirst();
    }

    Optional<DrainStatus> drain(String requestId) {
        return requestId == null ? Optional.empty() : drains.stream()
                .filter(drain -> drain.request().requestId().equals(requestId)).findFirst();
    }

    /** How the instance is to be brought up to date, or empty when it is. */
    Optional<String> upgradeMethod(ScaleSetInstance instance) {
        return upgradeMethod(instance, newestImageVersion, unknownImageBehind.contains(instance.instanceId()));
    }

    /** As {@link #upgradeMethod(ScaleSetInstance, Optional, boolean)}, an unknown image version not compared. */
    static Optional<String> upgradeMethod(ScaleSetInstance instance, Optional<String> newestImageVersion) {
        return upgradeMethod(instance, newestImageVersion, false);
    }

    /**
     * How an instance is brought up to date: manualUpgrade when it is behind the model, reimage when it runs an older
     * image than {@code newestImageVersion} (given only where the model says latest), or runs one not known and
     * {@code unknownBehind} says to count that as older; empty when it is up to date.
     */
    static Optional<String> upgradeMethod(ScaleSetInstance instance, Optional<String> newestImageVersion,
            boolean unknownBehind) {
        if (!instance.latestModelApplied()) {
            return Optional.of(UpgradeEntry.MANUAL_UPGRADE);
        }
        if (newestImageVersion.isPresent() && (instance.imageVersion() == null ? unknownBehind
                : ImageVersions.older(instance.imageVersion(), newestImageVersion.get()))) {
            return Optional.of(UpgradeEntry.REIMAGE);
        }
        return Optional.empty();
    }
}
