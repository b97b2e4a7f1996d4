package io.harbormaster.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.DockerSettings;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.drain.BlobDrainStatusStore;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.drain.StorageDrainQueue;
import io.harbormaster.emulator.EmulatorFixture;
import io.harbormaster.emulator.cloud.ScaleSetChange;
import io.harbormaster.metrics.ControlPlaneMetrics;
import io.harbormaster.scaleset.AzureScaleSet;
import io.harbormaster.swarm.DockerSwarm;
import io.harbormaster.testsupport.DockerCli;
import io.harbormaster.testsupport.LocalServices;
import io.harbormaster.testsupport.RecordingDockerRelay;
import io.harbormaster.testsupport.SwarmWorkers;
import io.harbormaster.testsupport.TestService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What one capacity check asks of the outside systems, counted where the requests arrive: at a relay in front of the
 * real manager's Docker API and at the emulated ARM (in-memory machines), with a small and a larger cluster. A check must cost a
 * constant number of Docker calls however many nodes, services and tasks there are, and ARM one read of the scale set
 * plus one per page of instances.
 */
class CapacityCheckCallsIT {
    private static final int PAGE_SIZE = 100;

    private final String prefix = SwarmWorkers.randomPrefix();
    private final DockerCli manager = DockerCli.forLocalManager();
    private final List<TestService> services = new ArrayList<>();
    private final BlobContainerClient stateContainer = new BlobServiceClientBuilder()
            .connectionString(LocalServices.storageConnectionString()).buildClient()
            .getBlobContainerClient("capacity-calls-it-" + UUID.randomUUID());
    private Path socketDirectory;
    private RecordingDockerRelay docker;
    private EmulatorFixture arm;
    private DockerSwarm swarm;

    @AfterEach
    void cleanUp() throws Exception {
        services.forEach(TestService::close);
        if (swarm != null) {
            swarm.close();
        }
        if (docker != null) {
            docker.close();
        }
        if (arm != null) {
            arm.close();
        }
        if (socketDirectory != null) {
            Files.deleteIfExists(socketDirectory);
        }
        stateContainer.deleteIfExists();
    }

    @Test
    void aCheckCostsThreeDockerCallsAndOneArmReadPlusOnePerPageWhateverTheSize() throws Exception {
        socketDirectory = Files.createTempDirectory("hm-relay");
        docker = RecordingDockerRelay.start(LocalServices.dockerHost(), socketDirectory.resolve("docker.sock"));
        arm = new EmulatorFixture();
        arm.faults.pageSize(PAGE_SIZE);
        arm.cloud.addScaleSet(EmulatorFixture.agents(0)).await(Duration.ofSeconds(10));
        swarm = DockerSwarm.connect(DockerSettings.from(new AppSettings(Map.of(DockerSettings.HOSTS, docker.dockerHost()))));
        StorageSettings storage = new StorageSettings(LocalServices.storageConnectionString());
        BlobDrainStatusStore statuses = BlobDrainStatusStore.connect(storage).ensureContainer();
        DrainSettings drainSettings = DrainSettings.from(new AppSettings(Map.of()));
        // Dry run: the plan is made and logged, nothing is done, so what is counted is the snapshot alone.
        AzureScaleSet scaleSet = arm.scaleSet();
        CapacityCheck check = new CapacityCheck(swarm, scaleSet, statuses,
                new DrainRequests(swarm, statuses, StorageDrainQueue.connect(storage, "capacity-calls-it"), drainSettings,
                        Optional.of(scaleSet), Clock.systemUTC(), AuditTrail.NONE),
                new BlobCapacityState(stateContainer).ensureContainer(), CapacityPolicy.DEFAULTS.withDryRun(true),
                Clock.systemUTC(), AuditTrail.NONE, ControlPlaneMetrics.global());

        // Small: 10 instances and one service of ours. Services and tasks run on the manager, the one node every run has.
        capacity(10);
        services.add(TestService.create(manager, prefix + "-calls-0", 1, "--constraint", "node.role==manager"));
        services.get(0).awaitRunning(1, Duration.ofSeconds(60));
        Calls small = measure(check);

        // Larger: 1,000 instances, and 3 more services of 4 tasks each.
        capacity(1000);
        for (int i = 1; i <= 3; i++) {
            services.add(TestService.create(manager, prefix + "-calls-" + i, 4, "--constraint", "node.role==manager"));
        }
        for (TestService service : services.subList(1, services.size())) {
            service.awaitRunning(4, Duration.ofSeconds(60));
        }
        Calls large = measure(check);

        System.out.println("capacity check calls, 10 instances and " + small.services() + " service(s): " + small);
        System.out.println("capacity check calls, 1,000 instances and " + large.services() + " service(s): " + large);

        assertEquals(List.of("GET /services", "GET /nodes", "GET /tasks"), large.docker().stream()
                .map(request -> request.replaceFirst(" /v[0-9.]+/", " /")).toList(), "Docker calls of one check");
        assertEquals(small.docker(), large.docker(), "the Docker calls grew with the cluster");
        assertTrue(large.services() >= small.services() + 3, "the larger cluster has our 3 services more");
        assertEquals(1 + 1, small.arm().size(), "ARM calls with 10 instances: " + small.arm());
        assertEquals(1 + 1000 / PAGE_SIZE, large.arm().size(), "ARM calls with 1,000 instances: " + large.arm());
        assertEquals(1, large.arm().stream().filter(call -> call.endsWith("/virtualMachineScaleSets/harbormaster-agents")).count(),
                "one read of the scale set itself: " + large.arm());
    }

    /** The requests of one check, and how many services the swarm had. */
    private record Calls(List<String> docker, List<String> arm, int services) {
        @Override
        public String toString() {
            long pages = arm.stream().filter(call -> call.endsWith("/virtualMachines")).count();
            return "Docker " + docker.size() + " " + docker + "; ARM " + arm.size() + " (" + (arm.size() - pages)
                    + " GET of the scale set, " + pages + " page(s) of GET virtualMachines, " + PAGE_SIZE + " per page)";
        }
    }

    private Calls measure(CapacityCheck check) {
        int serviceCount = swarm.services().size();
        docker.clear();
        arm.arm.clearRequests();
        CapacityCheck.Outcome outcome = check.run();
        assertTrue(outcome.plan().isPresent(), "the check did not plan: " + outcome.skipped());
        assertEquals(List.of(), outcome.done(), "a dry run acted");
        List<String> armCalls = arm.arm.requests().stream().map(request -> request.method() + " " + request.path()).toList();
        return new Calls(docker.requests(), armCalls, serviceCount);
    }

    /** Running instances up to this capacity, booted by the emulator's in-memory machines. */
    private void capacity(long capacity) {
        arm.cloud.update(EmulatorFixture.SCALE_SET, new ScaleSetChange(capacity, null, null, null), null)
                .await(Duration.ofSeconds(30));
    }
}
