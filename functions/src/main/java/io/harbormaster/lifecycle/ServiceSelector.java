package io.harbormaster.lifecycle;

import io.harbormaster.swarm.Service;

/**
 * Which services the rebalance may move: replicated ones with at least two replicas, not opted out with
 * {@code io.harbormaster.rebalance=disabled}, not scaled by a surge drain under way, and with no move of ours under
 * way (one task at a time per service). A global service runs one task per node and is never moved.
 */
final class ServiceSelector {
    private ServiceSelector() {
    }

    /** Why the service is not a candidate, or null when it is. */
    static String excluded(Service service, RebalanceView view) {
        if (service.global()) {
            return "global service";
        }
        if (service.mode() != Service.Mode.REPLICATED || service.replicas() < 2) {
            return "fewer than 2 replicas";
        }
        if (MoveIntent.optedOut(service)) {
            return "labelled " + MoveIntent.OPT_OUT_LABEL + "=" + MoveIntent.DISABLED;
        }
        if (view.surgedServiceIds().contains(service.id())) {
            return "a surge drain under way scales it";
        }
        if (MoveIntent.labelled(service)) {
            return "a move is under way";
        }
        return null;
    }
}
