package io.harbormaster.lifecycle;

import io.harbormaster.capacity.CapacitySnapshot;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Service;
import io.harbormaster.swarm.Task;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The rebalance as a pure decision: a snapshot in, moves out. Moves under way are ended first (finished, undone or
 * given up to a user's change), whatever holds new ones back. New moves start only when nothing holds them (the
 * capacity plan changes the cluster, the guard tripped, a pause, the setting), no task with reservations waits for a
 * node, and fewer
 * than the maximum are under way; then the most uneven services go first, one move each.
 */
public final class RebalancePlanner {
    private RebalancePlanner() {
    }

    /** @param hold why no new move may start now, or null */
    public static RebalancePlan plan(RebalanceView view, RebalanceSettings settings, String hold) {
        List<RebalanceMove> moves = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int underWay = 0;
        List<Service> services = view.services().stream().sorted(Comparator.comparing(Service::name)).toList();
        for (Service service : services) {
            Optional<MoveIntent> intent = MoveIntent.of(service);
            if (intent.isPresent()) {
                RebalanceMove step = InFlightRule.judge(service, intent.get(), view.tasksOf(service.id()), view.at(),
                        settings.moveTimeout());
                if (step == null) {
                    underWay++;
                } else {
                    moves.add(step);
                }
            } else if (MoveIntent.labelled(service)) {
                moves.add(new RebalanceMove.DropIntent(service, "its move record does not parse: dropped, replicas kept"));
            }
        }

        List<MoveRule.Verdict> wanted = new ArrayList<>();
        Headroom headroom = Headroom.of(view);
        for (Service service : services) {
            if (ServiceSelector.excluded(service, view) != null) {
                continue;
            }
            List<Node> eligible = EligibleNodes.of(service, view);
            List<Task> tasks = view.tasksOf(service.id());
            if (eligible.size() < 2 || SteadyRule.unsteady(service, tasks, eligible) != null) {
                continue;
            }
            String preferences = PreferenceRule.conflict(service, eligible);
            ServiceSpread spread = ServiceSpread.of(eligible, tasks);
            if (preferences != null) {
                if (!spread.even()) {
                    notes.add(service.name() + " is uneven (" + spread.describe() + ") but " + preferences);
                }
                continue;
            }
            MoveRule.Verdict verdict = MoveRule.judge(service, spread, headroom, view.tasks(), view.at());
            if (verdict.note() != null) {
                notes.add(verdict.note());
            }
            if (verdict.start() != null) {
                wanted.add(verdict);
            }
        }

        String held = hold(view, settings, hold);
        if (held != null) {
            if (!wanted.isEmpty()) {
                notes.add("no new move: " + held);
            }
        } else {
            wanted.sort(Comparator.comparingInt(MoveRule.Verdict::gap).reversed()
                    .thenComparing(verdict -> verdict.start().service().name()));
            int room = Math.max(0, settings.maxMoves() - underWay);
            for (MoveRule.Verdict verdict : wanted.subList(0, Math.min(room, wanted.size()))) {
                moves.add(verdict.start());
            }
            if (wanted.size() > room) {
                notes.add((wanted.size() - room) + " more service(s) wait: at most " + settings.maxMoves()
                        + " moves at once (" + RebalanceSettings.MAX_MOVES + ")");
            }
        }
        return new RebalancePlan(moves, notes, underWay, wanted.size());
    }

    /**
     * Whether rebalancing has nothing left to do on this snapshot: no move under way and every service it may move
     * within one task per eligible node (or held where it stands by its constraints, preferences or reservations).
     * The query for a rolling upgrade waiting until a node's share of tasks is back.
     */
    public static boolean settled(CapacitySnapshot snapshot) {
        RebalanceSettings unlimited = new RebalanceSettings(true, Integer.MAX_VALUE, RebalanceSettings.DEFAULTS.moveTimeout());
        RebalanceView view = RebalanceView.of(snapshot);
        RebalancePlan plan = plan(view, unlimited, null);
        return plan.underWay() == 0 && plan.wanted() == 0
                && plan.moves().stream().noneMatch(move -> move instanceof RebalanceMove.Finish);
    }

    /**
     * The upgrade's "its share of tasks is back" for the nodes a pass just read: every worker while the rebalance still
     * has moves to make or one under way; else the workers the rebalance's snapshot does not hold yet (a node that
     * rejoined after it was taken: its share is not judged, so it is not back).
     */
    public static Set<String> sharesNotBack(CapacitySnapshot snapshot, List<Node> live) {
        Set<String> seen = new HashSet<>();
        snapshot.nodes().forEach(node -> seen.add(node.id()));
        boolean settled = settled(snapshot);
        Set<String> notBack = new HashSet<>();
        for (Node node : live) {
            if (!node.isManager() && (!settled || !seen.contains(node.id()))) {
                notBack.add(node.id());
            }
        }
        return notBack;
    }

    private static String hold(RebalanceView view, RebalanceSettings settings, String hold) {
        if (!settings.enabled()) {
            return RebalanceSettings.ENABLED + " is false";
        }
        if (hold != null) {
            return hold;
        }
        // Only tasks that wait for room: a move's extra task would take room they need. A task held by a constraint no
        // node meets waits whatever we do, and must not stop every other service's rebalance.
        long waiting = view.tasks().stream().filter(Task::unplaced).filter(RebalancePlanner::reserves).count();
        if (waiting > 0) {
            return waiting + " task(s) with reservations wait for a node: capacity comes first";
        }
        return null;
    }

    /** A generic resource (a gpu) counts: the task waits for a node that has one free, as for CPU or memory. */
    private static boolean reserves(Task task) {
        return !task.reservations().none();
    }
}
