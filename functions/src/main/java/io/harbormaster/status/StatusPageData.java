package io.harbormaster.status;

import io.harbormaster.capacity.ClusterReport;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the status page polls: {@code GET /api/status}'s report, plus what drawing nodes as columns of task boxes
 * needs and the report leaves out: every service's name, and the tasks placed on each node. No secrets.
 */
public final class StatusPageData {
    private StatusPageData() {
    }

    /** The report's JSON with {@code services} and {@code tasksByNode} (node id to its tasks) added. */
    public static Map<String, Object> toJson(ClusterReport report) {
        Map<String, Object> body = new LinkedHashMap<>(report.toJson());
        List<Map<String, Object>> services = new ArrayList<>();
        for (Service service : report.snapshot().services()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", service.id());
            entry.put("name", service.name());
            entry.put("mode", service.mode().name().toLowerCase(Locale.ROOT));
            entry.put("replicas", service.replicas());
            services.add(entry);
        }
        // Node ids in the snapshot's order, so that columns keep their places from one poll to the next.
        Map<String, List<Map<String, Object>>> tasksByNode = new LinkedHashMap<>();
        report.snapshot().nodes().forEach(node -> tasksByNode.put(node.id(), new ArrayList<>()));
        for (Task task : report.snapshot().tasks()) {
            if (task.unplaced()) {
                continue; // listed under pendingTasks, as /api/status lists them
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", task.id());
            entry.put("serviceId", task.serviceId());
            entry.put("state", task.state());
            entry.put("desiredState", task.desiredState());
            tasksByNode.computeIfAbsent(task.nodeId(), id -> new ArrayList<>()).add(entry);
        }
        body.put("services", services);
        body.put("tasksByNode", tasksByNode);
        return body;
    }
}
