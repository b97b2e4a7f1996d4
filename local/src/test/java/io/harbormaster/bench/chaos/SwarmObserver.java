package io.harbormaster.bench.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.LocalServices;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Polls the manager (through the docker CLI, the independent witness) and the emulated scale set into
 * {@link SwarmSample}s, for this cluster's nodes and the observed services only, and follows the manager's node
 * events ({@code docker events}), which time a node's removal and its last state change to the millisecond. A poll
 * the manager does not answer is skipped: the next one tries again.
 */
final class SwarmObserver implements AutoCloseable {
    private final EmulatedCluster cluster;
    private final Map<String, Long> nanoCpusPerTask;
    private final long t0 = System.nanoTime();
    private final long epochAtT0Ms = System.currentTimeMillis();
    private final List<NodeEvent> nodeEvents = new CopyOnWriteArrayList<>();
    private final Thread eventThread;
    private volatile Process events;
    private final Duration interval;
    private final List<SwarmSample> samples = new CopyOnWriteArrayList<>();
    private final Map<String, Long> nodeCpus = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** {@code nanoCpusPerTask}: the observed services by name, with the CPU each of their tasks reserves. */
    SwarmObserver(EmulatedCluster cluster, Map<String, Long> nanoCpusPerTask, Duration interval) {
        this.cluster = cluster;
        this.nanoCpusPerTask = Map.copyOf(nanoCpusPerTask);
        this.interval = interval;
        this.thread = new Thread(this::poll, "swarm-observer");
        thread.setDaemon(true);
        thread.start();
        this.eventThread = new Thread(this::followNodeEvents, "swarm-node-events");
        eventThread.setDaemon(true);
        eventThread.start();
    }

    /** This cluster's node events so far, oldest first. */
    List<NodeEvent> nodeEvents() {
        return List.copyOf(nodeEvents);
    }

    private void followNodeEvents() {
        ObjectMapper json = new ObjectMapper();
        Set<String> seen = new HashSet<>();
        long since = epochAtT0Ms / 1000;
        while (running) {
            try {
                events = new ProcessBuilder("docker", "-H", LocalServices.dockerHost(),
                        "events", "--since", Long.toString(since), "--filter", "type=node", "--format", "{{json .}}")
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                try (var reader = new BufferedReader(new InputStreamReader(events.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        var event = json.readTree(line);
                        long nanos = event.path("timeNano").asLong();
                        var attributes = event.path("Actor").path("Attributes");
                        String id = event.path("Actor").path("ID").asText();
                        String action = event.path("Action").asText();
                        String name = attributes.path("name").asText("");
                        if (!seen.add(nanos + id + action) || (!name.startsWith(cluster.prefix()) && !knownId(id))) {
                            continue;
                        }
                        since = nanos / 1_000_000_000L;
                        nodeEvents.add(new NodeEvent(nanos / 1_000_000 - epochAtT0Ms, id, name, action,
                                attributes.hasNonNull("state.new") ? attributes.path("state.new").asText() : null,
                                attributes.hasNonNull("availability.new") ? attributes.path("availability.new").asText() : null));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the stream broke: follow again from the last event seen
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A node of this cluster by id (a remove event names the node; a create event does not, yet). */
    private boolean knownId(String id) {
        return nodeCpus.containsKey(id);
    }

    /** Milliseconds since the observer started, the time base of its samples. */
    long nowMs() {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** The samples taken at or after {@code fromMs}, oldest first. */
    List<SwarmSample> since(long fromMs) {
        return samples.stream().filter(s -> s.atMs() >= fromMs).toList();
    }

    /** The newest sample, or null before the first. */
    SwarmSample latest() {
        return samples.isEmpty() ? null : samples.get(samples.size() - 1);
    }

    /** The newest sample taken at or after {@code fromMs}; waits for one. */
    SwarmSample latestAfter(long fromMs) throws InterruptedException {
        while (true) {
            if (!samples.isEmpty() && samples.get(samples.size() - 1).atMs() >= fromMs) {
                return samples.get(samples.size() - 1);
            }
            Thread.sleep(50);
        }
    }

    private void poll() {
        while (running) {
            try {
                samples.add(sample());
            } catch (RuntimeException | AssertionError skipped) {
                // the manager did not answer this time
            }
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private SwarmSample sample() {
        long at = nowMs();
        String prefix = cluster.prefix();
        List<SwarmSample.Node> nodes = new ArrayList<>();
        for (String line : cluster.manager().run("node", "ls", "--format",
                "{{.ID}}|{{.Hostname}}|{{.Status}}|{{.Availability}}|{{.ManagerStatus}}").lines().toList()) {
            String[] f = line.split("\\|", -1);
            if (f.length < 5 || !f[1].startsWith(prefix)) {
                continue;
            }
            long cpus = nodeCpus.computeIfAbsent(f[0], id -> Long.parseLong(cluster.manager().run("node", "inspect",
                    "--format", "{{.Description.Resources.NanoCPUs}}", id).trim()));
            nodes.add(new SwarmSample.Node(f[0], f[1], f[2].equalsIgnoreCase("ready"), f[3].equalsIgnoreCase("active"),
                    f[4].isBlank(), cpus));
        }
        List<String> ps = new ArrayList<>(List.of("service", "ps", "--no-trunc", "--format",
                "{{.ID}}|{{.Name}}|{{.Node}}|{{.DesiredState}}|{{.CurrentState}}"));
        ps.addAll(nanoCpusPerTask.keySet());
        List<SwarmSample.Task> tasks = new ArrayList<>();
        for (String line : cluster.manager().run(ps.toArray(String[]::new)).lines().toList()) {
            String[] f = line.split("\\|", -1);
            int dot = f[1].lastIndexOf('.');
            if (f.length < 5 || dot < 0) {
                continue;
            }
            String state = f[4].trim().split(" ")[0].toLowerCase(Locale.ROOT);
            tasks.add(new SwarmSample.Task(f[0], f[1].substring(0, dot), Integer.parseInt(f[1].substring(dot + 1)),
                    f[2].trim(), f[3].trim().toLowerCase(Locale.ROOT), state));
        }
        Map<String, SwarmSample.Service> services = new LinkedHashMap<>();
        for (String line : cluster.manager().run("service", "ls", "--format", "{{.Name}}|{{.Replicas}}").lines().toList()) {
            String[] f = line.split("\\|", -1);
            if (f.length == 2 && nanoCpusPerTask.containsKey(f[0]) && f[1].contains("/")) {
                String desired = f[1].substring(f[1].indexOf('/') + 1).split("[^0-9]")[0];
                services.put(f[0], new SwarmSample.Service(Integer.parseInt(desired), nanoCpusPerTask.get(f[0])));
            }
        }
        List<SwarmSample.Instance> instances = cluster.emulator().cloud()
                .instances(cluster.emulator().settings().scaleSetName()).stream()
                .map((InstanceSnapshot i) -> new SwarmSample.Instance(i.name(), i.computerName(), i.powerState()))
                .toList();
        return new SwarmSample(at, List.copyOf(nodes), List.copyOf(tasks), Map.copyOf(services), instances);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5_000);
        Process stream = events;
        if (stream != null) {
            stream.destroy();
        }
        eventThread.interrupt();
        eventThread.join(5_000);
    }
}
