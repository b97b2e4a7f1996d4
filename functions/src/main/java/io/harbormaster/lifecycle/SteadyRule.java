package io.harbormaster.lifecycle;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A service is moved only while it is steady: exactly its replica count of tasks, all running, all on nodes it may be
 * moved between. Otherwise swarm is still placing or replacing tasks (an update, a failure, a drain) and the counts
 * would mislead; the next pass looks again.
 */
final class SteadyRule {
    private SteadyRule() {
    }

    /** Why the service is not steady, or null when it is. */
    static String unsteady(Service service, List<Task> tasks, List<Node> eligible) {
        if (tasks.size() != service.replicas()) {
            return tasks.size() + " tasks of " + service.replicas() + " replicas are desired running";
        }
        long notRunning = tasks.stream().filter(task -> !task.running()).count();
        if (notRunning > 0) {
            return notRunning + " of its tasks are not running yet";
        }
        Set<String> ids = eligible.stream().map(Node::id).collect(Collectors.toSet());
        long elsewhere = tasks.stream().filter(task -> !ids.contains(task.nodeId())).count();
        if (elsewhere > 0) {
            return elsewhere + " of its tasks run on nodes it cannot be moved between (paused, draining, not ready)";
        }
        return null;
    }
}
