package io.harbormaster.bench.chaos;

import com.azure.core.util.Context;
import com.azure.resourcemanager.compute.fluent.VirtualMachineScaleSetsClient;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMInstanceIDs;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMInstanceRequiredIDs;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.queue.QueueClientBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.capacity.BlobCapacityState;
import io.harbormaster.emulator.EmulatorSettings;
import io.harbormaster.emulator.arm.ArmCall;
import io.harbormaster.emulator.cloud.EventRecord;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.EmulatorArmClient;
import io.harbormaster.testsupport.LocalServices;
import io.harbormaster.testsupport.SeverableLink;
import io.harbormaster.testsupport.TestService;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One chaos scenario on its own emulated cluster (emulator in this JVM, the local host with the production
 * AzureScaleSet in a child JVM, 3 dockerd agents booted by cloud-init/agent.yml) and its phases. The cluster's needs
 * are shaped so that the capacity check itself scales: 8 replicas reserving 0.5 CPU fill two 2-CPU agents; a ballast
 * task reserving 1 CPU needs a third. A scale-in sets the ballast to 0 (the agent that carried it falls under the
 * scale-in utilisation and is drained, moving its replicas onto the two others); a scale-out sets it to 1 (the check
 * adds an agent), after which the replicas are spread again (a start-first forced update) so that the next scale-in
 * drains replicas too.
 */
final class ChaosRun implements AutoCloseable {
    /** Which way the capacity check is made to scale. */
    enum Phase {
        SCALE_IN("scale-in", 2), SCALE_OUT("scale-out", 3);

        final String label;
        final int instances;

        Phase(String label, int instances) {
            this.label = label;
            this.instances = instances;
        }
    }

    /** One phase's figures and what happened in it. */
    record PhaseResult(ChaosScenario scenario, int round, Phase phase, long triggerMs, boolean triggerSeen,
                       ChaosFigures figures, List<String> notes) {
    }

    static final int REPLICAS = 8;
    static final long WEB_NANO_CPUS = 500_000_000L;
    static final long BALLAST_NANO_CPUS = 1_000_000_000L;
    static final long LOST_AFTER_MS = 60_000;
    static final Duration PHASE_TIMEOUT = Duration.ofSeconds(120);
    /** The emulator's notice before a Terminate starts unless an agent approves it. */
    static final Duration TERMINATE_NOTICE = Duration.ofSeconds(90);
    static final Duration TRIGGER_TIMEOUT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChaosScenario scenario;
    private final PrintStream out;
    private final List<SeverableLink> links = new ArrayList<>();
    private SeverableLink managerLink;
    private SeverableLink blobLink;
    private SeverableLink queueLink;
    private EmulatedCluster cluster;
    private SwarmObserver observer;
    private VirtualMachineScaleSetsClient scaleSets;
    private String web;
    private String ballast;
    private final Set<String> chosen = ConcurrentHashMap.newKeySet();
    private final Set<String> disturbed = ConcurrentHashMap.newKeySet();
    private final List<String> notes = new CopyOnWriteArrayList<>();
    private volatile SwarmSample phaseStart;
    private volatile long phaseStartNanos;
    private volatile Instant phaseStartedAt;
    private volatile Phase phase;
    private String scaleSetId;

    private ChaosRun(ChaosScenario scenario, PrintStream out) {
        this.scenario = scenario;
        this.out = out;
    }

    /** Starts the cluster with 3 agents and the two services, every replica running. */
    static ChaosRun start(ChaosScenario scenario, PrintStream out) throws Exception {
        ChaosRun run = new ChaosRun(scenario, out);
        try {
            run.startCluster();
            return run;
        } catch (Exception | Error e) {
            run.close();
            throw e;
        }
    }

    private void startCluster() throws Exception {
        long t0 = System.nanoTime();
        // Each cluster keeps one capacity history; a previous run's would be another cluster's.
        var capacity = new BlobServiceClientBuilder().connectionString(LocalServices.storageConnectionString())
                .buildClient().getBlobContainerClient(BlobCapacityState.CONTAINER);
        if (capacity.exists()) {
            capacity.getBlobClient("history.json").deleteIfExists();
        }
        // The queues are the storage account's, shared by every host started against it: a message a previous
        // cluster's host left (a drain's follow-up) would be run by this one.
        for (String queue : List.of("drain-requests", "drain-requests-poison", "capacity-checks", "capacity-checks-poison")) {
            var client = new QueueClientBuilder().connectionString(LocalServices.storageConnectionString()).queueName(queue)
                    .buildClient();
            client.createIfNotExists();
            client.clearMessages();
        }
        Map<String, String> host = new HashMap<>(Map.of(
                "HARBORMASTER_CAPACITY_SCHEDULE", "*/3 * * * * *",
                "HARBORMASTER_CAPACITY_MIN_AGENTS", "2",
                "HARBORMASTER_CAPACITY_MAX_AGENTS", "3",
                "HARBORMASTER_CAPACITY_MAX_SCALE_OUT_STEP", "1",
                "HARBORMASTER_CAPACITY_SCALE_IN_UTILISATION", "60",
                "HARBORMASTER_CAPACITY_UNNEEDED_TIME", "5s",
                "HARBORMASTER_CAPACITY_SCALE_IN_DELAY_AFTER_SCALE_OUT", "5s",
                "HARBORMASTER_CAPACITY_DOWN_NODE_GRACE", "20s",
                "HARBORMASTER_DRAIN_CHECK_INTERVAL", "1s",
                // A killed host's message in progress comes back after this, not after the real host's 10 minutes.
                "HARBORMASTER_LOCAL_QUEUE_LEASE", "15s"));
        host.put("HARBORMASTER_DRAIN_UNREACHABLE_TIMEOUT", "2m");
        host.put("HARBORMASTER_DOCKER_CONNECT_TIMEOUT", "1s");
        host.put("HARBORMASTER_DOCKER_RESPONSE_TIMEOUT", "5s");
        if (scenario == ChaosScenario.API_DOWN) {
            // The host reaches the manager with mutual TLS through a relay whose cable the fault cuts.
            URI tls = URI.create(LocalServices.dockerTlsEndpoint());
            managerLink = link(tls.getHost(), tls.getPort());
            Path certs = LocalServices.dockerTlsDirectory();
            host.put("HARBORMASTER_DOCKER_HOSTS", "tcp://127.0.0.1:" + managerLink.port());
            host.put("HARBORMASTER_DOCKER_TLS_CA_PEM", Files.readString(certs.resolve("ca.pem")));
            host.put("HARBORMASTER_DOCKER_TLS_CERT_PEM", Files.readString(certs.resolve("cert.pem")));
            host.put("HARBORMASTER_DOCKER_TLS_KEY_PEM", Files.readString(certs.resolve("key.pem")));
        }
        if (scenario == ChaosScenario.STORAGE_DOWN) {
            // The host reaches Azurite's blob and queue endpoints through relays; only its own traffic is cut.
            String storage = LocalServices.storageConnectionString();
            URI blob = URI.create(setting(storage, "BlobEndpoint"));
            URI queue = URI.create(setting(storage, "QueueEndpoint"));
            blobLink = link(blob.getHost(), blob.getPort());
            queueLink = link(queue.getHost(), queue.getPort());
            host.put("AzureWebJobsStorage", storage
                    .replace(blob.getHost() + ":" + blob.getPort(), "127.0.0.1:" + blobLink.port())
                    .replace(queue.getHost() + ":" + queue.getPort(), "127.0.0.1:" + queueLink.port()));
        }
        cluster = EmulatedCluster.start(Map.of(
                EmulatorSettings.CAPACITY, "3",
                // Long enough for the drains a Terminate asks for to finish before Azure starts it at NotBefore
                // (the agents approve no event early). Azure's own notice is 5 to 15 minutes.
                EmulatorSettings.TERMINATE_NOTICE, TERMINATE_NOTICE.toSeconds() + "s"), host);
        scaleSets = EmulatorArmClient.compute(cluster.emulator()).getVirtualMachineScaleSets();
        cluster.await("3 ready agents", cluster::nodes,
                n -> n.size() == 3 && n.values().stream().allMatch("ready"::equals), Duration.ofSeconds(240));
        // The ballast first: the replicas then spread 3, 3 and 2, the 2 beside the ballast.
        ballast = cluster.prefix() + "-ballast";
        web = cluster.prefix() + "-web";
        TestService.create(cluster.manager(), ballast, 1, "--reserve-cpu", "1", "--constraint", "node.role==worker")
                .awaitRunning(1, Duration.ofSeconds(60));
        TestService.create(cluster.manager(), web, REPLICAS, "--reserve-cpu", "0.5", "--constraint",
                "node.role==worker", "--update-order", "start-first", "--update-parallelism", "2")
                .awaitRunning(REPLICAS, Duration.ofSeconds(90));
        observer = new SwarmObserver(cluster, Map.of(web, WEB_NANO_CPUS, ballast, BALLAST_NANO_CPUS),
                Duration.ofMillis(300));
        out.printf("(%c) cluster of 3 agents, %d replicas and the ballast running after %d s%n", scenario.letter,
                REPLICAS, (System.nanoTime() - t0) / 1_000_000_000L);
    }

    private SeverableLink link(String host, int port) throws java.io.IOException {
        SeverableLink link = SeverableLink.to(host, port);
        links.add(link);
        return link;
    }

    private static String setting(String connectionString, String name) {
        for (String part : connectionString.split(";")) {
            if (part.startsWith(name + "=")) {
                return part.substring(name.length() + 1);
            }
        }
        throw new IllegalStateException("the storage connection string has no " + name);
    }

    /** Runs one phase: changes the ballast, injects the fault at the trigger, waits for convergence, computes figures. */
    PhaseResult phase(int round, Phase phase) throws Exception {
        this.phase = phase;
        notes.clear();
        phaseStartNanos = System.nanoTime();
        phaseStartedAt = Instant.now();
        long from = observer.nowMs();
        phaseStart = observer.latestAfter(from);
        cluster.manager().run("service", "scale", "--detach", ballast + "=" + (phase == Phase.SCALE_IN ? 0 : 1));
        boolean seen = awaitTrigger(phase);
        long triggerMs = observer.nowMs() - from;
        List<Exception> failures = new CopyOnWriteArrayList<>();
        Thread fault = new Thread(() -> {
            try {
                scenario.inject(this, phase);
            } catch (Exception e) {
                failures.add(e);
            }
        }, "chaos-fault");
        fault.start();
        fault.join(Duration.ofMinutes(2).toMillis());
        failures.forEach(e -> note("the fault's injection failed: " + e));
        long deadline = from + phaseTimeout().toMillis();
        boolean converged = false;
        while (observer.nowMs() < deadline) {
            if (ChaosMetrics.converged(phase.instances).test(observer.latestAfter(observer.nowMs()))
                    && !terminateStillScheduled()) {
                converged = true;
                break;
            }
            Thread.sleep(200);
        }
        if (converged && phase == Phase.SCALE_OUT) {
            spreadReplicas();
        }
        List<SwarmSample> samples = observer.since(from);
        chosen.addAll(chosenForScaleIn(samples));
        Set<String> forced = forcedByAzure(samples);
        ChaosFigures figures = ChaosMetrics.figures(samples, observer.nodeEvents(), from, phase.instances, Set.copyOf(chosen),
                forced, Set.copyOf(disturbed), Set.of(web), LOST_AFTER_MS);
        return new PhaseResult(scenario, round, phase, triggerMs, seen, figures, List.copyOf(notes));
    }

    /**
     * In (i) a phase ends only once the Terminate it caused has started: its VMs stay until NotBefore, and a phase that
     * converged before would leave their deletion, and what it costs, to the next phase.
     */
    private boolean terminateStillScheduled() {
        return scenario == ChaosScenario.TWO_VM_TERMINATE && cluster.emulator().cloud().scheduledEvents().stream()
                .anyMatch(event -> "Terminate".equals(event.eventType()) && "Scheduled".equals(event.eventStatus()));
    }

    /**
     * How long a phase may take to converge: 120 s, and for a Terminate listing 2 VMs the event's notice on top. No agent
     * approves an event that lists other VMs, so Azure starts it at NotBefore, and only then can the capacity check
     * replace what it deletes (the scale set is at its maximum until then).
     */
    Duration phaseTimeout() {
        return scenario == ChaosScenario.TWO_VM_TERMINATE ? PHASE_TIMEOUT.plus(TERMINATE_NOTICE) : PHASE_TIMEOUT;
    }

    /**
     * Computer names, among these samples' instances, that a Terminate event deleted when Azure started it at its
     * NotBefore with no agent's approval: Azure's own doing. Each such event, and each approved one, is noted.
     */
    private Set<String> forcedByAzure(List<SwarmSample> samples) {
        Map<String, String> names = new HashMap<>();
        samples.forEach(s -> s.instances().forEach(i -> names.put(i.vmName(), i.computerName())));
        Set<String> forced = new LinkedHashSet<>();
        for (EventRecord event : cluster.emulator().cloud().eventHistory()) {
            List<String> ours = event.resources().stream().filter(names::containsKey).map(names::get).toList();
            if (!"Terminate".equals(event.eventType()) || event.startedAt() == null || ours.isEmpty()
                    || event.startedAt().isBefore(phaseStartedAt)) {
                continue;
            }
            if (event.approvedAt() == null) {
                forced.addAll(ours);
                note("Terminate of " + ours + " started by Azure at its NotBefore " + event.notBefore() + ", approved by"
                        + " no agent: not counted as wrongly deleted");
            } else {
                note("Terminate of " + ours + " approved by " + event.approvedBy() + " at " + event.approvedAt()
                        + " (NotBefore " + event.notBefore() + ")");
            }
        }
        return forced;
    }

    /** Scale-in: a node of ours is drained, or an instance deleted; scale-out: the host's PATCH of the scale set. */
    private boolean awaitTrigger(Phase phase) throws InterruptedException {
        long deadline = System.nanoTime() + TRIGGER_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (phase == Phase.SCALE_IN) {
                if (draining().isPresent() || armCallsSincePhase().stream().anyMatch(c -> c.is("POST", "/delete"))) {
                    return true;
                }
            } else if (armCallsSincePhase().stream().anyMatch(c -> c.method().equals("PATCH"))) {
                return true;
            }
            Thread.sleep(100);
        }
        note("trigger not seen within " + TRIGGER_TIMEOUT.toSeconds() + " s; fault injected anyway");
        return false;
    }

    private List<ArmCall> armCallsSincePhase() {
        return cluster.emulator().arm().requests().stream().filter(c -> c.receivedAtNanos() >= phaseStartNanos).toList();
    }

    /** Computer names deleted in these samples whose drain status says the check chose them for scale-in. */
    private Set<String> chosenForScaleIn(List<SwarmSample> samples) {
        Set<String> found = new LinkedHashSet<>();
        if (samples.isEmpty()) {
            return found;
        }
        Set<String> atEnd = new LinkedHashSet<>();
        samples.get(samples.size() - 1).instances().forEach(i -> atEnd.add(i.computerName()));
        Set<String> ever = new LinkedHashSet<>();
        samples.forEach(s -> s.instances().forEach(i -> ever.add(i.computerName())));
        for (String name : ever) {
            if (atEnd.contains(name)) {
                continue;
            }
            try {
                HttpResponse<String> response = cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/drain/" + name)).GET());
                if (response.statusCode() == 200 && "scale-in".equals(JSON.readTree(response.body()).path("reason").asText())) {
                    found.add(name);
                }
            } catch (Exception e) {
                note("drain status of " + name + " unreadable: " + e.getMessage());
            }
        }
        return found;
    }

    /** A forced start-first update: the replicas are placed again, some onto the new agent. */
    private void spreadReplicas() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        String state = forceUpdate(deadline);
        if (state.contains("paused")) {
            // Swarm pauses a rolling update when a new task fails (its node went away) and never goes on by itself:
            // left paused, the service stays short of replicas in the next phase. Once more, then as it ends.
            note("spreading the replicas paused; updating once more");
            state = forceUpdate(deadline + Duration.ofSeconds(60).toNanos());
        }
        if (!state.equals("completed")) {
            note("spreading the replicas ended " + state);
        }
    }

    /** Starts a forced update of the web service and waits until it completes, pauses or rolls back, or the deadline. */
    private String forceUpdate(long deadlineNanos) throws InterruptedException {
        cluster.manager().run("service", "update", "--detach", "--force", web);
        String state = "";
        while (System.nanoTime() < deadlineNanos) {
            state = cluster.manager().run("service", "inspect", "--format",
                    "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", web);
            if (state.equals("completed") || state.contains("paused") || state.contains("rollback")) {
                break;
            }
            Thread.sleep(500);
        }
        return state;
    }

    // ---- for the faults ----

    EmulatedCluster cluster() {
        return cluster;
    }

    SeverableLink managerLink() {
        return managerLink;
    }

    SeverableLink blobLink() {
        return blobLink;
    }

    SeverableLink queueLink() {
        return queueLink;
    }

    void note(String note) {
        notes.add(note);
    }

    void disturbed(String hostname) {
        disturbed.add(hostname);
    }

    /** The instance whose node is being drained now, if any. */
    Optional<SwarmSample.Instance> draining() {
        SwarmSample latest = observer.latest();
        if (latest == null) {
            return Optional.empty();
        }
        return latest.instances().stream()
                .filter(i -> latest.node(i.computerName()).filter(n -> !n.active()).isPresent()).findFirst();
    }

    /** Up to {@code count} instances that were there when the phase started, Ready, Active and not being drained. */
    List<SwarmSample.Instance> bystanders(int count) throws InterruptedException {
        SwarmSample latest = observer.latestAfter(observer.nowMs());
        Set<String> old = new LinkedHashSet<>();
        phaseStart.instances().forEach(i -> old.add(i.computerName()));
        return latest.instances().stream().filter(i -> old.contains(i.computerName()))
                .filter(i -> latest.node(i.computerName()).filter(n -> n.ready() && n.active()).isPresent())
                .limit(count).toList();
    }

    /** Azure deletes these instances in one request (one Terminate event listing them all). */
    void deleteAsAzure(List<SwarmSample.Instance> instances) {
        if (instances.isEmpty()) {
            return;
        }
        instances.forEach(i -> chosen.add(i.computerName()));
        scaleSets.beginDeleteInstances(group(), scaleSetName(), new VirtualMachineScaleSetVMInstanceRequiredIDs()
                .withInstanceIds(instances.stream().map(ChaosRun::instanceId).toList()), null, Context.NONE);
    }

    /** ARM restart of one instance: its machine shuts down and boots again. */
    void restart(SwarmSample.Instance instance) {
        scaleSets.beginRestart(group(), scaleSetName(), new VirtualMachineScaleSetVMInstanceIDs()
                .withInstanceIds(List.of(instanceId(instance))), Context.NONE);
    }

    /**
     * Waits until the node of that hostname is no longer Active (drained), asking the manager directly every 100 ms
     * (a drain of a few tasks takes about a second); false after {@code timeout}.
     */
    boolean awaitNodeDraining(String hostname, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                String availability = cluster.manager().run("node", "inspect", "--format",
                        "{{.Spec.Availability}}", hostname);
                if (!availability.equals("active")) {
                    return true;
                }
            } catch (AssertionError notAnswered) {
                // the next try
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** POSTs to the emulator's controls (fault knobs); returns the answer's body. */
    String control(String pathAndQuery) throws Exception {
        URI uri = cluster.emulator().controlEndpoint().resolve(pathAndQuery.substring(1));
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("POST " + pathAndQuery + ": " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    /** Sleeps until the timer's next tick (every 3 s on the wall clock). */
    void awaitTimerTick() throws InterruptedException {
        long now = System.currentTimeMillis();
        Thread.sleep(3_000 - now % 3_000);
    }

    /** Azure Monitor's autoscale notification for our scale set, as the Learn page shows it. */
    void postAutoscaleWebhook() throws Exception {
        if (scaleSetId == null) {
            HttpResponse<String> status = cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/status")).GET());
            scaleSetId = JSON.readTree(status.body()).path("scaleSet").path("id").asText();
        }
        HttpResponse<String> response = cluster.sendWithFunctionKey(HttpRequest.newBuilder(cluster.host().uri("/api/autoscale"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(AutoscaleNotification.forResource(scaleSetId))));
        if (response.statusCode() != 202) {
            note("webhook answered " + response.statusCode() + " " + response.body());
        }
    }

    private String group() {
        return cluster.emulator().settings().resourceGroup();
    }

    private String scaleSetName() {
        return cluster.emulator().settings().scaleSetName();
    }

    private static String instanceId(SwarmSample.Instance instance) {
        return instance.vmName().substring(instance.vmName().lastIndexOf('_') + 1);
    }

    /** Everything the host printed, for the log file. */
    String hostOutput() {
        return cluster == null ? "" : cluster.hostOutputAllRuns();
    }

    @Override
    public void close() throws Exception {
        try {
            if (observer != null) {
                observer.close();
            }
            if (cluster != null) {
                for (String service : new String[] {web, ballast}) {
                    if (service != null) {
                        try {
                            cluster.manager().run("service", "rm", service);
                        } catch (AssertionError gone) {
                            // never created
                        }
                    }
                }
            }
        } finally {
            try {
                if (cluster != null) {
                    cluster.close();
                }
            } finally {
                for (SeverableLink link : links) {
                    link.close();
                }
            }
        }
    }
}
