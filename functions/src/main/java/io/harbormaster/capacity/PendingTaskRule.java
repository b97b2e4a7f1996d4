package io.harbormaster.capacity;

import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Which pending tasks more capacity would place: those swarm left pending for insufficient resources, that a new
 * agent can take (not tied to a node, reserving something, allowed on a new agent, small enough for one). The
 * others are counted in the notes by why they do not count.
 */
final class PendingTaskRule {
    private static final String INSUFFICIENT_RESOURCES = "insufficient resources";
    // swarmkit's ConstraintFilter explains itself as "scheduling constraints not satisfied on N nodes".
    private static final String CONSTRAINTS_NOT_SATISFIED = "constraints not satisfied";

    private PendingTaskRule() {
    }

    /**
     * The demand for more capacity.
     *
     * @param counted the pending tasks more agents would place, in the index's order
     * @param summary "5 tasks are pending for lack of resources (web at 1.5 CPU / 512 MiB ×5)", or empty when none are
     */
    record Demand(List<Task> counted, String summary, List<Note> notes) implements RuleOutcome {
        Demand {
            counted = List.copyOf(counted);
            notes = List.copyOf(notes);
        }

        /** Tasks are pending that more capacity would place; scale-in waits while they are. */
        boolean capacityNeeded() {
            return !counted.isEmpty();
        }
    }

    /**
     * Whether swarm's reason for leaving a task pending is one a new agent can answer: resources, or, with pools (whose
     * new agents carry labels no node has yet), constraints no node in the swarm satisfies.
     */
    static boolean newAgentMayPlace(String message, boolean pooled) {
        String lower = message.toLowerCase(Locale.ROOT);
        return lower.contains(INSUFFICIENT_RESOURCES) || pooled && lower.contains(CONSTRAINTS_NOT_SATISFIED);
    }

    static Demand classify(PlanningContext context) {
        ClusterIndex index = context.index();
        Resources room = context.newAgent().room();
        List<Task> counted = new ArrayList<>();
        Map<String, Map<String, Integer>> reported = new LinkedHashMap<>();
        for (Task task : index.pending()) {
            String message = task.message() == null ? "" : task.message();
            Service service = index.service(task.serviceId());
            String why = null;
            if (!newAgentMayPlace(message, !context.newAgentLabels().isEmpty())) {
                if (!message.isBlank()) {
                    why = "pending for a reason more agents do not change: " + message;
                }
            } else if (index.global(task) || task.nodeId() != null && !task.nodeId().isEmpty()) {
                why = "tied to its node (global service): a new agent does not help";
            } else if (task.reservations().none()) {
                why = "reserves no CPU, memory or generic resource the planner can see: not scaling for it";
            } else if (!index.placement(task.serviceId()).allowsNewAgent(context.newAgentLabels(), context.newAgentPlatform())) {
                why = "its placement constraints " + service.constraints() + " exclude a new agent: not scaling for it";
            } else if (missingKind(task.reservations(), room) != null) {
                String kind = missingKind(task.reservations(), room);
                // With pools, the expander says when no pool at all provides it; here only this pool is known.
                why = context.newAgentLabels().isEmpty()
                        ? "reserves " + kind + ", and no pool provides " + kind + ": not scaling for it"
                        : "reserves " + kind + ", which a new agent of this pool does not provide: not scaling for it";
            } else if (!room.holds(task.reservations())) {
                why = "reserves " + HumanUnits.resources(task.reservations()) + ", more than one agent offers ("
                        + HumanUnits.resources(room) + "): it can never fit, not scaling for it";
            } else {
                counted.add(task);
            }
            if (why != null) {
                reported.computeIfAbsent(why, reason -> new LinkedHashMap<>())
                        .merge(context.serviceName(task.serviceId()), 1, Integer::sum);
            }
        }
        List<Note> notes = new ArrayList<>();
        reported.forEach((why, byService) -> notes.add(new Note("kinds of pending tasks",
                HumanUnits.count(byService.values().stream().mapToInt(Integer::intValue).sum(), "pending task", "pending tasks")
                        + " of " + describeServices(byService) + ": " + why)));
        return new Demand(counted, counted.isEmpty() ? "" : describe(context, counted), notes);
    }

    /** A generic kind the task reserves of which a new agent has none, or null. */
    static String missingKind(Resources reservations, Resources room) {
        if (reservations.generic().isEmpty()) {
            return null;
        }
        for (String kind : reservations.generic().keySet()) {
            if (room.generic(kind) <= 0) {
                return kind;
            }
        }
        return null;
    }

    private static String describe(PlanningContext context, List<Task> counted) {
        // Counted by service and reservation first: a thousand pending tasks are a handful of kinds to write out.
        record Kind(String serviceId, Resources reservations) {
        }
        Map<Kind, int[]> counts = new LinkedHashMap<>();
        for (Task task : counted) {
            counts.computeIfAbsent(new Kind(task.serviceId(), task.reservations()), kind -> new int[1])[0]++;
        }
        Map<String, Integer> byKind = new LinkedHashMap<>();
        counts.forEach((kind, n) -> byKind.merge(context.serviceName(kind.serviceId()) + " at "
                + HumanUnits.resources(kind.reservations()), n[0], Integer::sum));
        return HumanUnits.count(counted.size(), "task is", "tasks are") + " pending for lack of resources ("
                + mostFirst(byKind) + ")";
    }

    /** "service web", or "3 services (web ×5, api ×2, db ×1)"; the three with most tasks first. */
    private static String describeServices(Map<String, Integer> byService) {
        if (byService.size() == 1) {
            return "service " + byService.keySet().iterator().next();
        }
        return byService.size() + " services (" + mostFirst(byService) + ")";
    }

    private static String mostFirst(Map<String, Integer> counts) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(3)
                .map(entry -> entry.getKey() + " ×" + entry.getValue())
                .collect(Collectors.joining(", ")) + (counts.size() > 3 ? ", …" : "");
    }
}
