package io.harbormaster.capacity;

import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.ScaleSetInstance;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * How long a scale-set instance without a swarm node is waited for. One that never had a node gets the provisioning
 * timeout, counted from its creation. One that once had a node gets the rejoin grace, counted from when it lost the
 * node: a reboot's drain on shutdown removes the node for the minutes of the reboot, and the VM, old as it is, must
 * not then be taken for one that never joined.
 */
final class NodelessInstanceRule {
    private NodelessInstanceRule() {
    }

    /** Where a nodeless instance stands. */
    enum Kind {
        /** Never had a node, within the provisioning timeout. */
        JOINING,
        /** Had a node and lost it, within the rejoin grace. */
        REJOINING,
        /** Never had a node, past the provisioning timeout. */
        NEVER_JOINED,
        /** Had a node, lost it, and did not rejoin within the grace. */
        LEFT
    }

    /**
     * The rule's decision.
     *
     * @param since    when the wait began: the instance's creation for one that never joined, the loss of its node
     *                 for one that did
     * @param until    when the wait ends; from then on the instance is overdue
     * @param evidence what shows that it once had a node, or null for one that never did
     */
    record Verdict(Kind kind, Instant since, Instant until, String evidence) {
        Verdict {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(until, "until");
        }

        /** Past its wait: a deletion candidate, unless protected, stopped or being drained. */
        boolean overdue() {
            return kind == Kind.NEVER_JOINED || kind == Kind.LEFT;
        }

        /** What the instance has done, for notes and reasons: "never joined the swarm", or since when it has no node. */
        String describe(Instant now) {
            return switch (kind) {
                case JOINING, NEVER_JOINED -> "never joined the swarm";
                case REJOINING, LEFT -> "lost its swarm node " + HumanUnits.duration(Duration.between(since, now))
                        + " ago (" + evidence + ")";
            };
        }
    }

    /**
     * @param firstSeenNodeless the first check, without a break up to now, that saw the instance without a node
     * @param lastSeenWithNode  the last check that saw it with a node, or null when none did (or none remembers)
     * @param latestDrain       the latest stored drain of a node named as the instance's computer name, or null
     */
    static Verdict judge(ScaleSetInstance instance, Instant firstSeenNodeless, Instant lastSeenWithNode,
            DrainStatus latestDrain, CapacityPolicy policy, Instant now) {
        Objects.requireNonNull(firstSeenNodeless, "firstSeenNodeless");
        DrainStatus drain = latestDrain != null && concerns(latestDrain, instance) ? latestDrain : null;
        if (lastSeenWithNode == null && drain == null) {
            // Never means never: no check saw a node of it and no drain ever had one to drain.
            Instant created = instance.createdAt() != null ? instance.createdAt() : firstSeenNodeless;
            Instant until = created.plus(policy.provisioningTimeout());
            return new Verdict(now.isBefore(until) ? Kind.JOINING : Kind.NEVER_JOINED, created, until, null);
        }
        // The node was lost after the last check that saw it, so at or before the first that did not. Of the times
        // known, the latest is taken: a grace that starts late deletes late, one that starts early could delete a VM
        // that is only rebooting.
        Instant lost = firstSeenNodeless;
        String evidence;
        if (drain != null && removed(drain)) {
            evidence = "drain " + drain.request().requestId() + " (" + drain.request().reason().wireName()
                    + ") removed it at " + drain.updatedAt();
            if (drain.updatedAt().isAfter(lost)) {
                lost = drain.updatedAt();
            }
        } else if (lastSeenWithNode != null) {
            evidence = "last seen with one at " + lastSeenWithNode;
        } else {
            evidence = "drain " + drain.request().requestId() + " (" + drain.request().reason().wireName()
                    + ") of its node is " + drain.state().wireName();
        }
        Instant until = lost.plus(policy.rejoinGrace());
        return new Verdict(now.isBefore(until) ? Kind.REJOINING : Kind.LEFT, lost, until, evidence);
    }

    /**
     * Whether the drain was of this instance's node rather than of an earlier VM that had its name: the instance it
     * recorded, or, for a drain that recorded none (one that deletes no VM, as a shutdown drain), one requested
     * while this instance existed. Two live instances never share a computer name.
     */
    private static boolean concerns(DrainStatus drain, ScaleSetInstance instance) {
        String recorded = drain.request().instanceId();
        if (recorded != null) {
            return recorded.equals(instance.instanceId());
        }
        return instance.createdAt() == null || !drain.request().requestedAt().isBefore(instance.createdAt());
    }

    private static boolean removed(DrainStatus drain) {
        return drain.finished() && drain.state() == DrainState.REMOVED;
    }
}
