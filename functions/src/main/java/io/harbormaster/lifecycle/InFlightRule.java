package io.harbormaster.lifecycle;

import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A move under way (its intent on the service): finish it once its extra task runs, undo it when that takes longer
 * than the timeout, and step aside when someone else set the replica count meanwhile. Finishing and undoing are the
 * same update (back to the recorded count, intent dropped), so a pass that finds the intent always ends the move.
 */
final class InFlightRule {
    private InFlightRule() {
    }

    /** The move's next step, or null while its extra task is still on its way. */
    static RebalanceMove judge(Service service, MoveIntent intent, List<Task> tasks, Instant now, Duration timeout) {
        long surged = intent.originalReplicas() + 1;
        if (service.replicas() != surged) {
            return new RebalanceMove.DropIntent(service, "its replicas were set to " + service.replicas()
                    + " since the move scaled it to " + surged + ": that count stands");
        }
        long running = tasks.stream().filter(Task::running).count();
        if (running >= surged) {
            return new RebalanceMove.Finish(service, intent, false, "its extra task runs (" + running + " running): back to "
                    + intent.originalReplicas() + ", and swarm's scale-down takes a task from the node with the most copies");
        }
        Duration age = Duration.between(intent.since(), now);
        if (age.compareTo(timeout) >= 0) {
            return new RebalanceMove.Finish(service, intent, true, "its extra task did not run within " + timeout
                    + " (" + running + " of " + surged + " running): back to " + intent.originalReplicas());
        }
        return null;
    }
}
