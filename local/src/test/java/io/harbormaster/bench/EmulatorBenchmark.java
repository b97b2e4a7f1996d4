package io.harbormaster.bench;

import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.util.Context;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.SyncPoller;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.compute.fluent.VirtualMachineScaleSetsClient;
import com.azure.resourcemanager.compute.models.Sku;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetReimageParameters;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdate;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdateOSProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdateVMProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMInstanceIDs;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMInstanceRequiredIDs;
import io.harbormaster.emulator.AzureEmulator;
import io.harbormaster.emulator.EmulatorSettings;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.EmulatorArmClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Supplier;

/**
 * The Azure emulator's timing per operation with real machines: each operation through the compute SDK against the
 * emulator's ARM (polling as the SDK does, at the Retry-After the emulator sends), until ARM reports it done and until
 * the node is Ready again or gone in the swarm. Run by bench/emulator.sh; prints its figures.
 */
public final class EmulatorBenchmark {
    private static final Duration SLOW = Duration.ofSeconds(240);
    /** Azure's shortest Spot notice; the agents' watcher does not act on Preempt, so an eviction waits all of it. */
    private static final String PREEMPT_NOTICE = "30s";
    private static final String TERMINATE_NOTICE = "60s";

    private final EmulatedCluster cluster;
    private final AzureEmulator emulator;
    private final VirtualMachineScaleSetsClient scaleSets;
    private final ComputeManagementClient compute;
    private final String group;
    private final String scaleSet;
    private final Set<String> retryAfters = new ConcurrentSkipListSet<>();
    private final Map<String, List<Timing>> timings = new LinkedHashMap<>();
    private long capacity = 1;

    private EmulatorBenchmark(EmulatedCluster cluster) {
        this.cluster = cluster;
        this.emulator = cluster.emulator();
        // What the emulator asks the SDK to wait between polls, read off every answer.
        HttpPipelinePolicy retryAfter = (context, next) -> next.process().doOnNext(response -> {
            String value = response.getHeaderValue("Retry-After");
            if (value != null) {
                retryAfters.add(value);
            }
        });
        this.compute = EmulatorArmClient.compute(emulator, retryAfter);
        this.scaleSets = compute.getVirtualMachineScaleSets();
        this.group = emulator.settings().resourceGroup();
        this.scaleSet = emulator.settings().scaleSetName();
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        // A Spot scale set (Deallocate on eviction), so simulateEviction has something to evict; the emulator treats
        // Spot and Regular instances alike for every other operation. The capacity check is kept out of the way
        // (yearly), so only the benchmark changes the scale set.
        EmulatedCluster cluster = EmulatedCluster.start(Map.of(
                EmulatorSettings.TERMINATE_NOTICE, TERMINATE_NOTICE,
                EmulatorSettings.PRIORITY, "Spot",
                EmulatorSettings.EVICTION_POLICY, "Deallocate",
                EmulatorSettings.PREEMPT_NOTICE, PREEMPT_NOTICE), Map.of(
                "HARBORMASTER_CAPACITY_SCHEDULE", "0 0 0 1 1 *"));
        try {
            new EmulatorBenchmark(cluster).run(rounds);
        } finally {
            Path log = Path.of("target", "bench", "logs", "emulator-host.log");
            Files.createDirectories(log.getParent());
            Files.writeString(log, cluster.host().output());
            System.out.println("host log: " + log.toAbsolutePath());
            cluster.close();
        }
    }

    private void run(int rounds) throws Exception {
        long t0 = System.nanoTime();
        String first = cluster.prefix() + "000000";
        try (NodeWatch watch = new NodeWatch(cluster.manager(), first, t0)) {
            System.out.printf(Locale.ROOT, "first agent Ready %d ms after the cluster (emulator and host) had started%n",
                    watch.awaitReady(SLOW));
        }
        // The first calls load the SDK and open TLS: not part of any operation.
        scaleSets.getByResourceGroup(group, scaleSet);
        cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/drain/warm-up")).GET());
        for (int round = 1; round <= rounds; round++) {
            System.out.println("round " + round);
            round(round);
        }
        System.out.println();
        System.out.println("Retry-After sent by the emulator's ARM (s): " + retryAfters
                + "; the SDK polls at that interval, so 'done' is rounded up to it");
        System.out.println("terminate notice " + TERMINATE_NOTICE + ", Spot preempt notice " + PREEMPT_NOTICE
                + "; median of n samples (scale out runs twice a round), ms from the request:");
        System.out.printf(Locale.ROOT, "| %-32s | %2s | %8s | %8s | %-18s |%n", "operation", "n", "accepted", "done",
                "node in the swarm");
        System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%n", "-".repeat(34), "-".repeat(4), "-".repeat(10),
                "-".repeat(10), "-".repeat(20));
        for (List<Timing> samples : timings.values()) {
            Timing m = Timing.median(samples);
            System.out.printf(Locale.ROOT, "| %-32s | %2d | %8s | %8s | %-18s |%n", m.operation(), samples.size(),
                    Timing.ms(m.acceptedMs()), Timing.ms(m.doneMs()),
                    m.swarmMs() < 0 ? "-" : m.swarmWhat() + " " + m.swarmMs());
        }
        String logs = cluster.host().output();
        if (logs.contains(cluster.key()) || logs.contains(cluster.masterKey()) || logs.contains("SWMTKN-")) {
            throw new IllegalStateException("a secret reached the host's logs");
        }
    }

    private void round(int round) throws Exception {
        InstanceSnapshot b = scaleOut();
        String id = b.instanceId();
        String host = b.computerName();
        if ("scale-in".equals(System.getProperty("only"))) {
            // -Donly=scale-in: the drain-first delete alone (scale out, then scale in through the drain route).
            deleteThroughDrain(id, host);
            return;
        }
        var ids = new VirtualMachineScaleSetVMInstanceIDs().withInstanceIds(List.of(id));
        var required = new VirtualMachineScaleSetVMInstanceRequiredIDs().withInstanceIds(List.of(id));
        arm("powerOff", host, false, () -> scaleSets.beginPowerOff(group, scaleSet, null, ids, Context.NONE));
        arm("start (after powerOff)", host, true, () -> scaleSets.beginStart(group, scaleSet, ids, Context.NONE));
        arm("restart", host, true, () -> scaleSets.beginRestart(group, scaleSet, ids, Context.NONE));
        arm("deallocate", host, false, () -> scaleSets.beginDeallocate(group, scaleSet, null, ids, Context.NONE));
        arm("start (after deallocate)", host, true, () -> scaleSets.beginStart(group, scaleSet, ids, Context.NONE));
        arm("reimage", host, true, () -> scaleSets.beginReimage(group, scaleSet,
                new VirtualMachineScaleSetReimageParameters().withInstanceIds(List.of(id)), Context.NONE));
        changeModel(round);
        arm("manualUpgrade (new customData)", host, true,
                () -> scaleSets.beginUpdateInstances(group, scaleSet, required, Context.NONE));
        evict(id, host);
        arm("start (after eviction)", host, true, () -> scaleSets.beginStart(group, scaleSet, ids, Context.NONE));
        deleteThroughDrain(id, host);
        InstanceSnapshot c = scaleOut();
        var other = new VirtualMachineScaleSetVMInstanceRequiredIDs().withInstanceIds(List.of(c.instanceId()));
        arm("deleteInstances (no drain asked)", c.computerName(), false,
                () -> scaleSets.beginDeleteInstances(group, scaleSet, other, null, Context.NONE));
        capacity--;
    }

    /** PATCH sku.capacity by one, until ARM is done and until the new instance's node is Ready. */
    private InstanceSnapshot scaleOut() throws Exception {
        Set<String> before = ids();
        long t0 = System.nanoTime();
        var poller = scaleSets.beginUpdate(group, scaleSet,
                new VirtualMachineScaleSetUpdate().withSku(new Sku().withCapacity(capacity + 1)), null, null, Context.NONE);
        long accepted = sinceMs(t0);
        until(() -> ids().size() > before.size(), t0);
        InstanceSnapshot added = emulator.cloud().instances(scaleSet).stream()
                .filter(instance -> !before.contains(instance.instanceId())).findFirst().orElseThrow();
        try (NodeWatch watch = new NodeWatch(cluster.manager(), added.computerName(), t0)) {
            long done = complete(poller, t0);
            capacity++;
            record(new Timing("scale out by 1 (PATCH capacity)", accepted, done, watch.awaitReady(SLOW), "Ready"));
        }
        return added;
    }

    /** The scale set's model changes: the same cloud-config with one more comment line, as a new customData. */
    private void changeModel(int round) throws Exception {
        String config = new String(Base64.getDecoder().decode(emulator.customData()), StandardCharsets.UTF_8)
                + "\n# emulator benchmark, model of round " + round + "\n";
        var update = new VirtualMachineScaleSetUpdate().withVirtualMachineProfile(new VirtualMachineScaleSetUpdateVMProfile()
                .withOsProfile(new VirtualMachineScaleSetUpdateOSProfile().withCustomData(
                        Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8)))));
        long t0 = System.nanoTime();
        var poller = scaleSets.beginUpdate(group, scaleSet, update, null, null, Context.NONE);
        long accepted = sinceMs(t0);
        record(new Timing("model change (PATCH customData)", accepted, complete(poller, t0), -1, ""));
    }

    /** A Spot eviction: 204 at once; done when the instance is deallocated, after the Preempt notice. */
    private void evict(String id, String host) throws Exception {
        long t0 = System.nanoTime();
        try (NodeWatch watch = new NodeWatch(cluster.manager(), host, t0)) {
            compute.getVirtualMachineScaleSetVMs().simulateEvictionWithResponse(group, scaleSet, id, Context.NONE);
            long accepted = sinceMs(t0);
            long done = until(() -> "deallocated".equals(emulator.cloud().instance(scaleSet, id).powerState()), t0);
            record(new Timing("simulateEviction (Spot)", accepted, done, watch.awaitGone(SLOW), "gone"));
        }
    }

    /** A scale-in as the capacity check does it: the host drains the node, then deletes its instance. */
    private void deleteThroughDrain(String id, String host) throws Exception {
        long t0 = System.nanoTime();
        try (NodeWatch watch = new NodeWatch(cluster.manager(), host, t0)) {
            HttpResponse<String> response = cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/drain/" + host))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"scale-in\",\"deleteInstance\":true}")));
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("POST /api/drain: HTTP " + response.statusCode() + " " + response.body());
            }
            long accepted = sinceMs(t0);
            long done = until(() -> !ids().contains(id), t0);
            capacity--;
            record(new Timing("deleteInstances (drain first)", accepted, done, watch.awaitGone(SLOW), "gone"));
        }
    }

    /** One ARM operation on one instance; {@code ready}: wait for its node Ready again, else for it gone. */
    private void arm(String operation, String host, boolean ready, Supplier<SyncPoller<?, ?>> begin) throws Exception {
        long t0 = System.nanoTime();
        try (NodeWatch watch = new NodeWatch(cluster.manager(), host, t0)) {
            SyncPoller<?, ?> poller = begin.get();
            long accepted = sinceMs(t0);
            long done = complete(poller, t0);
            long swarm = ready ? watch.awaitReady(SLOW) : watch.awaitGone(SLOW);
            record(new Timing(operation, accepted, done, swarm, ready ? "Ready" : "gone"));
        }
    }

    private static long complete(SyncPoller<?, ?> poller, long t0) {
        var last = poller.waitForCompletion(SLOW);
        if (last.getStatus() != LongRunningOperationStatus.SUCCESSFULLY_COMPLETED) {
            throw new IllegalStateException("operation ended " + last.getStatus());
        }
        return sinceMs(t0);
    }

    private long until(Supplier<Boolean> done, long t0) throws InterruptedException {
        long deadline = t0 + SLOW.toNanos();
        while (!done.get()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not done within " + SLOW);
            }
            Thread.sleep(50);
        }
        return sinceMs(t0);
    }

    private Set<String> ids() {
        return Set.copyOf(emulator.cloud().instances(scaleSet).stream().map(InstanceSnapshot::instanceId).toList());
    }

    private void record(Timing timing) {
        timings.computeIfAbsent(timing.operation(), name -> new ArrayList<>()).add(timing);
        System.out.println("  " + timing.line());
    }

    private static long sinceMs(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
