package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.scaleset.ScaleSetInstance.PowerState;
import io.harbormaster.scaleset.ScaleSetModel.OrchestrationMode;
import io.harbormaster.testsupport.DockerCli;
import io.harbormaster.testsupport.LocalHostProcess;
import io.harbormaster.testsupport.LocalServices;
import io.harbormaster.testsupport.SwarmWorkers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The local scale set against the real things: worker-nodes.sh, the local swarm manager, and the join function of a
 * local host in a child JVM, through which every started node joins.
 */
class LocalScaleSetIT {
    private static final String KEY = "local-scale-set-it-" + UUID.randomUUID();

    private final DockerCli manager = DockerCli.forLocalManager();
    private final String prefix = SwarmWorkers.randomPrefix();
    private final Path nodes = SwarmWorkers.nodesDirectory();
    private LocalHostProcess host;
    private Path keyFile;
    private LocalScaleSet scaleSet;

    @BeforeEach
    void startHost() throws Exception {
        LocalServices.require(System.getProperty("user.name").equals("root"), "worker nodes need root");
        host = LocalHostProcess.start(LocalHostProcess.settings(
                "HARBORMASTER_DOCKER_HOSTS", LocalServices.dockerHost(),
                "HARBORMASTER_LOCAL_FUNCTION_KEY", KEY,
                "AzureWebJobsStorage", LocalServices.storageConnectionString())).awaitReady(Duration.ofSeconds(60));
        keyFile = Files.createTempFile("hm-local-scale-set-key", "",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, KEY + "\n");
        scaleSet = new LocalScaleSet(SwarmWorkers.script(), nodes, SwarmWorkers.joinUrl(host), keyFile, prefix,
                "Local_Test", 3);
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            SwarmWorkers.stopAndRemoveAll(prefix);
        } finally {
            Files.deleteIfExists(nodes.resolve(prefix + ".scale-set"));
            Files.deleteIfExists(nodes.resolve(prefix + ".scale-set.lock"));
            Files.deleteIfExists(keyFile);
            if (host != null) {
                host.close();
                assertFalse(host.output().contains(KEY), "the function key reached the host's logs");
                assertFalse(host.output().contains("SWMTKN-"), "a join token reached the host's logs");
            }
        }
    }

    /** Hostname to "state role" of the manager's nodes of this prefix. */
    private Map<String, String> swarmNodes() {
        return manager.run("node", "ls", "--format", "{{.Hostname}}").lines()
                .filter(hostname -> hostname.startsWith(prefix + "-"))
                .collect(Collectors.toMap(hostname -> hostname, hostname -> manager.run("node", "inspect", hostname,
                        "--format", "{{.Status.State}} {{.Spec.Role}}")));
    }

    @Test
    void growsByStartingNodesThatJoinAndShrinksByStoppingExactlyTheNamedOnes() throws Exception {
        ScaleSetModel empty = scaleSet.describe();
        assertEquals(0, empty.capacity());
        assertEquals("Local_Test", empty.sku());
        assertEquals(OrchestrationMode.UNIFORM, empty.orchestrationMode());
        assertEquals("Succeeded", empty.provisioningState());

        ScaleSetConflictException stale = assertThrows(ScaleSetConflictException.class,
                () -> scaleSet.setCapacity(2, "\"stale-0\""));
        assertTrue(stale.retryable());
        assertEquals(List.of(), scaleSet.instances(), "a refused write started nothing");
        assertEquals(empty.etag(), scaleSet.describe().etag());
        ScaleSetException quota = assertThrows(ScaleSetException.class, () -> scaleSet.setCapacity(4, empty.etag()));
        assertEquals("QuotaExceeded", quota.errorCode().orElseThrow());

        Instant beforeStart = Instant.now().minusSeconds(1);
        long t0 = System.nanoTime();
        scaleSet.setCapacity(2, empty.etag());
        System.out.printf("setCapacity(2) from 0 took %d ms%n", (System.nanoTime() - t0) / 1_000_000);

        assertEquals(Map.of(prefix + "-1", "ready worker", prefix + "-2", "ready worker"), swarmNodes());
        List<ScaleSetInstance> instances = scaleSet.instances();
        assertEquals(List.of("1", "2"), instances.stream().map(ScaleSetInstance::instanceId).toList());
        assertEquals(List.of(prefix + "-1", prefix + "-2"), instances.stream().map(ScaleSetInstance::computerName).toList());
        for (ScaleSetInstance instance : instances) {
            assertEquals(PowerState.RUNNING, instance.powerState(), instance.toString());
            assertEquals("Succeeded", instance.provisioningState(), instance.toString());
            assertTrue(instance.createdAt().isAfter(beforeStart) && instance.createdAt().isBefore(Instant.now()), instance.toString());
            assertFalse(instance.protectedFromScaleIn(), instance.toString());
        }
        ScaleSetModel two = scaleSet.describe();
        assertEquals(2, two.capacity());
        assertNotEquals(empty.etag(), two.etag());
        // The capacity lives in a file, so another adapter (a restarted host) reads the same.
        assertEquals(two, new LocalScaleSet(SwarmWorkers.script(), nodes, SwarmWorkers.joinUrl(host), keyFile, prefix,
                "Local_Test", 3).describe());

        assertThrows(IllegalArgumentException.class, () -> scaleSet.setCapacity(1, two.etag()));
        assertEquals(two, scaleSet.describe());

        scaleSet.protectFromScaleIn("2", true);
        assertEquals(List.of(false, true), scaleSet.instances().stream().map(ScaleSetInstance::protectedFromScaleIn).toList());
        scaleSet.protectFromScaleIn("2", false);
        assertEquals(List.of(false, false), scaleSet.instances().stream().map(ScaleSetInstance::protectedFromScaleIn).toList());
        assertEquals("NotFound", assertThrows(ScaleSetException.class, () -> scaleSet.protectFromScaleIn("7", true))
                .errorCode().orElseThrow());

        scaleSet.deleteInstances(List.of("1", "7"));
        assertEquals(List.of(prefix + "-2"), scaleSet.instances().stream().map(ScaleSetInstance::computerName).toList());
        assertFalse(Files.exists(nodes.resolve(prefix + "-1")), "the deleted node's folder is still there");
        ScaleSetModel one = scaleSet.describe();
        assertEquals(1, one.capacity());
        assertNotEquals(two.etag(), one.etag());
        // Stopped, not removed: the node goes down as a deleted VM's would, and the other one stays Ready.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!"down worker".equals(swarmNodes().get(prefix + "-1")) && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
        assertEquals(Map.of(prefix + "-1", "down worker", prefix + "-2", "ready worker"), swarmNodes());

        scaleSet.deleteInstances(List.of("1"));
        assertEquals(one, scaleSet.describe(), "deleting a deleted instance changed nothing");

        // Ids are not reused: the next node is -3, never a second -1 beside the down one.
        scaleSet.setCapacity(2, one.etag());
        assertEquals(List.of("2", "3"), scaleSet.instances().stream().map(ScaleSetInstance::instanceId).toList());
        assertEquals("ready worker", swarmNodes().get(prefix + "-3"));
    }
}
