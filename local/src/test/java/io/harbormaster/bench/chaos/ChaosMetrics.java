package io.harbormaster.bench.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The chaos benchmark's figures, computed from the samples of one phase alone: plain functions, so that what counts as
 * a lost task, a wrongly deleted instance or a live node removed is tested without a swarm. The samples are polled,
 * so a state shorter than one poll may be missed.
 */
public final class ChaosMetrics {
    private ChaosMetrics() {
    }

    /**
     * Replica slots of the services that had no running task for longer than {@code lostAfterMs} of time during which
     * the cluster had room for them (a Ready, Active worker with the task's CPU unreserved), once per gap; plus tasks
     * that ended failed or rejected during these samples (not already in the first), except on {@code disturbed} nodes
     * (those the scenario itself rebooted or killed).
     */
    public static List<String> tasksLost(List<SwarmSample> samples, long lostAfterMs, Set<String> disturbed) {
        List<String> lost = new ArrayList<>();
        Map<String, Long> gapWithRoom = new HashMap<>();
        Set<String> counted = new HashSet<>();
        Set<String> failed = new LinkedHashSet<>();
        if (!samples.isEmpty()) {
            samples.get(0).tasks().stream().filter(t -> "failed".equals(t.state()) || "rejected".equals(t.state()))
                    .forEach(t -> failed.add(t.id()));
        }
        SwarmSample previous = null;
        for (SwarmSample sample : samples) {
            Map<String, Boolean> slots = new LinkedHashMap<>();
            for (SwarmSample.Task task : sample.tasks()) {
                if (task.wanted()) {
                    slots.merge(task.service() + "." + task.slot(), task.running(), Boolean::logicalOr);
                }
                if (("failed".equals(task.state()) || "rejected".equals(task.state()))
                        && !disturbed.contains(task.nodeHostname()) && failed.add(task.id())) {
                    lost.add("task " + task.id() + " (" + task.service() + "." + task.slot() + ") ended " + task.state()
                            + " on " + (task.nodeHostname().isEmpty() ? "no node" : task.nodeHostname())
                            + " at " + sample.atMs() + " ms");
                }
            }
            for (Map.Entry<String, Boolean> slot : slots.entrySet()) {
                String key = slot.getKey();
                if (slot.getValue()) {
                    gapWithRoom.remove(key);
                    counted.remove(key);
                    continue;
                }
                String service = key.substring(0, key.lastIndexOf('.'));
                long need = sample.services().containsKey(service) ? sample.services().get(service).nanoCpusPerTask() : 0;
                long step = previous == null ? 0 : sample.atMs() - previous.atMs();
                long gap = gapWithRoom.getOrDefault(key, 0L) + (gapWithRoom.containsKey(key) && sample.hasRoomFor(need) ? step : 0);
                gapWithRoom.put(key, gap);
                if (gap > lostAfterMs && counted.add(key)) {
                    lost.add("slot " + key + " had no running task for " + gap + " ms with room for it, until at least "
                            + sample.atMs() + " ms");
                }
            }
            previous = sample;
        }
        return lost;
    }

    /** {@link #wronglyDeleted(List, Set, Set)} with no instance deleted by Azure on its own. */
    public static List<String> wronglyDeleted(List<SwarmSample> samples, Set<String> chosen) {
        return wronglyDeleted(samples, chosen, Set.of());
    }

    /**
     * Instances that left the scale set though they were not among {@code chosen} (computer names chosen for scale-in
     * by a drain, or deleted by the scenario as Azure would evict them), or whose node, the last time it was Ready,
     * still ran tasks (they went down with the machine) or had stopped tasks whose replacements ran nowhere, still not
     * at the first sample without the instance (a drain with nowhere to go, cut short by the delete; a replacement that
     * ran between the last sample with the node Ready and the delete was placed in time, though polling missed it).
     * Instances in {@code forcedByAzure} (chosen, deleted by a Terminate event Azure started at its NotBefore with no
     * approval from any agent) are not counted: nothing of ours let that delete go.
     */
    public static List<String> wronglyDeleted(List<SwarmSample> samples, Set<String> chosen, Set<String> forcedByAzure) {
        List<String> wrong = new ArrayList<>();
        if (samples.isEmpty()) {
            return wrong;
        }
        Set<String> ever = new LinkedHashSet<>();
        samples.forEach(s -> s.instances().forEach(i -> ever.add(i.computerName())));
        Set<String> atEnd = new HashSet<>();
        samples.get(samples.size() - 1).instances().forEach(i -> atEnd.add(i.computerName()));
        for (String name : ever) {
            if (atEnd.contains(name)) {
                continue;
            }
            if (!chosen.contains(name)) {
                wrong.add(name + " deleted, but not chosen for scale-in or eviction");
                continue;
            }
            if (forcedByAzure.contains(name)) {
                continue;
            }
            SwarmSample lastReady = null;
            for (SwarmSample sample : samples) {
                if (sample.node(name).filter(SwarmSample.Node::ready).isPresent()) {
                    lastReady = sample;
                }
            }
            if (lastReady != null) {
                List<String> running = lastReady.tasks().stream()
                        .filter(t -> t.running() && t.nodeHostname().equals(name))
                        .map(t -> t.service() + "." + t.slot()).toList();
                SwarmSample firstGone = firstWithout(samples, lastReady, name);
                List<String> stranded = stranded(samples, lastReady, name).stream()
                        .filter(slot -> firstGone == null || !runs(firstGone, slot)).toList();
                if (!running.isEmpty()) {
                    wrong.add(name + " deleted while its node still ran " + running + " at " + lastReady.atMs() + " ms");
                } else if (!stranded.isEmpty()) {
                    wrong.add(name + " deleted while the tasks it last ran had nowhere to go: " + stranded
                            + " not running anywhere at " + lastReady.atMs() + " ms");
                }
            }
        }
        return wrong;
    }

    /** The first sample after {@code from} whose scale set no longer lists the instance of that computer name. */
    private static SwarmSample firstWithout(List<SwarmSample> samples, SwarmSample from, String computerName) {
        boolean after = false;
        for (SwarmSample sample : samples) {
            if (after && sample.instances().stream().noneMatch(i -> i.computerName().equals(computerName))) {
                return sample;
            }
            after |= sample == from;
        }
        return null;
    }

    private static boolean runs(SwarmSample sample, String slot) {
        return sample.tasks().stream().anyMatch(t -> t.wanted() && t.running() && slot.equals(t.service() + "." + t.slot()));
    }

    /** Slots not running anywhere in {@code at} whose last running task, up to then, ran on {@code hostname}. */
    private static List<String> stranded(List<SwarmSample> samples, SwarmSample at, String hostname) {
        Map<String, String> lastNode = new HashMap<>();
        for (SwarmSample sample : samples) {
            for (SwarmSample.Task task : sample.tasks()) {
                if (task.running()) {
                    lastNode.put(task.service() + "." + task.slot(), task.nodeHostname());
                }
            }
            if (sample == at) {
                break;
            }
        }
        Map<String, Boolean> slots = new LinkedHashMap<>();
        for (SwarmSample.Task task : at.tasks()) {
            if (task.wanted()) {
                slots.merge(task.service() + "." + task.slot(), task.running(), Boolean::logicalOr);
            }
        }
        return slots.entrySet().stream().filter(e -> !e.getValue() && hostname.equals(lastNode.get(e.getKey())))
                .map(Map.Entry::getKey).toList();
    }

    /**
     * Nodes the manager removed while they were Ready: each remove event of these samples' time span whose node's
     * state just before it, from the newest of its state events and of the samples that listed it, was ready. The
     * events matter: an agent that leaves is down only milliseconds before a waiting drain removes it, so polling
     * alone would show it removed while Ready. A node whose instance is gone by the removal does not count: it was
     * Ready only in swarm's eyes.
     */
    public static List<String> liveNodesRemoved(List<SwarmSample> samples, List<NodeEvent> events) {
        List<String> removed = new ArrayList<>();
        if (samples.isEmpty()) {
            return removed;
        }
        long from = samples.get(0).atMs();
        long to = samples.get(samples.size() - 1).atMs();
        for (int i = 0; i < events.size(); i++) {
            NodeEvent remove = events.get(i);
            if (!"remove".equals(remove.action()) || remove.atMs() < from || remove.atMs() > to) {
                continue;
            }
            String state = null;
            long stateAt = Long.MIN_VALUE;
            for (int j = 0; j < i; j++) {
                NodeEvent event = events.get(j);
                if (event.id().equals(remove.id()) && event.stateNew() != null) {
                    state = event.stateNew();
                    stateAt = event.atMs();
                }
            }
            for (SwarmSample sample : samples) {
                if (sample.atMs() > stateAt && sample.atMs() <= remove.atMs()) {
                    for (SwarmSample.Node node : sample.nodes()) {
                        if (node.id().equals(remove.id())) {
                            state = node.ready() ? "ready" : "down";
                            stateAt = sample.atMs();
                        }
                    }
                }
            }
            if ("ready".equals(state) && machineStillThere(samples, remove) && !leavingAtItsOwnShutdown(samples, events, remove)) {
                removed.add(remove.name() + " (" + remove.id() + ") removed at " + remove.atMs()
                        + " ms while Ready (last seen so at " + stateAt + " ms; " + machineAround(samples, remove) + ")");
            }
        }
        return removed;
    }

    /**
     * Whether the node was drained (its newest availability up to the removal, from its events and the samples, not
     * active) and its machine has shut down since it was last seen active: a sample from then until the first one
     * after the removal shows the machine stopping, stopped, deallocating, deallocated or starting again. Its own
     * shutdown drain removed it, as its agent's leave would have (a node that left shows Ready for a few seconds, and a
     * rebooted machine's old node is left by its join script at boot). Such a node runs nothing; it is not live.
     */
    static boolean leavingAtItsOwnShutdown(List<SwarmSample> samples, List<NodeEvent> events, NodeEvent remove) {
        String availability = null;
        long availabilitySince = Long.MIN_VALUE;
        for (NodeEvent event : events) {
            if (event.id().equals(remove.id()) && event.availabilityNew() != null && event.atMs() <= remove.atMs()) {
                availability = event.availabilityNew();
                availabilitySince = event.atMs();
            }
        }
        for (SwarmSample sample : samples) {
            if (sample.atMs() > remove.atMs()) {
                break;
            }
            for (SwarmSample.Node node : sample.nodes()) {
                if (node.id().equals(remove.id()) && sample.atMs() > availabilitySince) {
                    if (node.active()) {
                        availability = "active";
                        availabilitySince = sample.atMs();
                    } else if (!"drain".equals(availability) && !"pause".equals(availability)) {
                        availability = "drain";
                        availabilitySince = sample.atMs();
                    }
                }
            }
        }
        if (availability == null || "active".equals(availability)) {
            return false;
        }
        for (SwarmSample sample : samples) {
            if (sample.atMs() >= availabilitySince && sample.instances().stream()
                    .anyMatch(i -> i.computerName().equals(remove.name()) && SHUT_DOWN_SINCE.contains(i.powerState()))) {
                return true;
            }
            if (sample.atMs() > remove.atMs()) {
                // The first sample after the removal is the last one that counts.
                break;
            }
        }
        return false;
    }

    /** Power states of a machine that is shutting down, or booting again after it did. */
    private static final Set<String> SHUT_DOWN_SINCE = Set.of("stopping", "stopped", "deallocating", "deallocated", "starting");

    /** What the samples around the removal show of the node's availability and its machine's power state. */
    static String machineAround(List<SwarmSample> samples, NodeEvent remove) {
        StringBuilder seen = new StringBuilder();
        for (SwarmSample sample : samples) {
            if (Math.abs(sample.atMs() - remove.atMs()) <= 3000) {
                String node = sample.nodes().stream().filter(n -> n.id().equals(remove.id()))
                        .map(n -> n.active() ? "active" : "not active").findFirst().orElse("no node");
                String power = sample.instances().stream().filter(i -> i.computerName().equals(remove.name()))
                        .map(SwarmSample.Instance::powerState).findFirst().orElse("no instance");
                seen.append(seen.isEmpty() ? "" : ", ").append(sample.atMs()).append(" ms: ").append(node).append('/').append(power);
            }
        }
        return seen.toString();
    }

    /**
     * Whether the node's instance was still in the scale set's list at the first sample from the removal on. Swarm shows
     * a node Ready until its heartbeat times out; a node removed once its instance is deleted is dead, not live, though
     * the manager still says Ready (the drain removes it without waiting for that timeout).
     */
    static boolean machineStillThere(List<SwarmSample> samples, NodeEvent remove) {
        for (SwarmSample sample : samples) {
            if (sample.atMs() >= remove.atMs()) {
                return sample.instances().stream().anyMatch(instance -> instance.computerName().equals(remove.name()));
            }
        }
        return true;
    }

    /** The longest stretch during which one of {@code services} ran fewer tasks than it desired, in ms. */
    public static long longestBelowDesiredMs(List<SwarmSample> samples, Set<String> services) {
        long longest = 0;
        for (String service : services) {
            Long since = null;
            for (SwarmSample sample : samples) {
                SwarmSample.Service spec = sample.services().get(service);
                boolean below = spec != null && sample.running(service) < spec.desired();
                if (below && since == null) {
                    since = sample.atMs();
                } else if (!below && since != null) {
                    longest = Math.max(longest, sample.atMs() - since);
                    since = null;
                }
                if (since != null) {
                    longest = Math.max(longest, sample.atMs() - since);
                }
            }
        }
        return longest;
    }

    /**
     * The cluster has converged: {@code instances} instances, each with a Ready, Active node of its computer name and no
     * other node listed, and every service runs as many tasks as it desires.
     */
    public static Predicate<SwarmSample> converged(int instances) {
        return sample -> {
            if (sample.instances().size() != instances || sample.nodes().size() != instances) {
                return false;
            }
            for (SwarmSample.Instance instance : sample.instances()) {
                if (sample.node(instance.computerName()).filter(n -> n.ready() && n.active()).isEmpty()) {
                    return false;
                }
            }
            return sample.services().entrySet().stream()
                    .allMatch(e -> sample.running(e.getKey()) == e.getValue().desired());
        };
    }

    /** Milliseconds from {@code fromMs} to the first sample after it that satisfies {@code done}; -1 if none does. */
    public static long firstMs(List<SwarmSample> samples, long fromMs, Predicate<SwarmSample> done) {
        return samples.stream().filter(s -> s.atMs() >= fromMs && done.test(s)).mapToLong(s -> s.atMs() - fromMs)
                .findFirst().orElse(-1);
    }

    /** All figures of one phase that started at {@code fromMs} and should end with {@code instances} instances. */
    public static ChaosFigures figures(List<SwarmSample> samples, List<NodeEvent> events, long fromMs, int instances,
            Set<String> chosen, Set<String> forcedByAzure, Set<String> disturbed, Set<String> observedServices,
            long lostAfterMs) {
        long converged = firstMs(samples, fromMs, converged(instances));
        return new ChaosFigures(tasksLost(samples, lostAfterMs, disturbed), wronglyDeleted(samples, chosen, forcedByAzure),
                liveNodesRemoved(samples, events), longestBelowDesiredMs(samples, observedServices), converged >= 0, converged);
    }
}
