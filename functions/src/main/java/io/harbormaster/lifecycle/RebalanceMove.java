package io.harbormaster.lifecycle;

import io.harbormaster.swarm.Service;

/** One step of a move, as the planner decides it and the rebalancer carries it out, each with its reason. */
public sealed interface RebalanceMove {
    Service service();

    String reason();

    /** What the step does, in a few words, for the status's decisions. */
    String summary();

    /** Scale the service up by one, its intent in the same update: swarm places the extra task on the lightest node. */
    record Start(Service service, MoveIntent intent, String from, String to, String reason) implements RebalanceMove {
        @Override
        public String summary() {
            return "rebalance " + service.name() + ": move a task from " + from + " to " + to + " (scale "
                    + intent.originalReplicas() + " -> " + (intent.originalReplicas() + 1) + ")";
        }
    }

    /**
     * Scale back to the recorded count and drop the intent, in one update: swarm removes a task from the node with the
     * most copies. {@code undo} when the extra task never ran in time.
     */
    record Finish(Service service, MoveIntent intent, boolean undo, String reason) implements RebalanceMove {
        @Override
        public String summary() {
            return "rebalance " + service.name() + ": " + (undo ? "undo" : "finish") + " the move (scale "
                    + service.replicas() + " -> " + intent.originalReplicas() + ")";
        }
    }

    /** Drop the intent only: someone else set the replica count meanwhile, and theirs stands. */
    record DropIntent(Service service, String reason) implements RebalanceMove {
        @Override
        public String summary() {
            return "rebalance " + service.name() + ": drop the move's record, keep " + service.replicas() + " replicas";
        }
    }
}
