package io.harbormaster.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.harbormaster.capacity.BlobCapacityState;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.ScaleSetSettings;
import io.harbormaster.emulator.AzureEmulator;
import io.harbormaster.emulator.EmulatorSettings;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The Azure emulator in this JVM and the local host in a child JVM against it, as scripts/dev.sh runs them: the host's
 * production AzureScaleSet scales the emulated scale set, whose instances are dockerd nodes booted by
 * cloud-init/agent.yml that join through the host's join function.
 */
public final class EmulatedCluster implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final String key = "emulated-it-" + UUID.randomUUID();
    /** The operator's key: drain, status and join are ADMIN-level routes. */
    private final String masterKey = "emulated-it-master-" + UUID.randomUUID();
    private final String prefix;
    private final Path directory;
    /** The swarm manager the host talks to: the suite's, unless the host is pointed at another. */
    private DockerCli manager = DockerCli.forLocalManager();
    private AzureEmulator emulator;
    private LocalHostProcess host;
    private Map<String, String> hostValues;
    private int hostPort;
    private final StringBuilder killedHostsOutput = new StringBuilder();

    private EmulatedCluster(String prefix, Path directory) {
        this.prefix = prefix;
        this.directory = directory;
    }

    /**
     * Starts both. {@code emulatorSettings} and {@code hostSettings} add to (or replace) the defaults: one instance,
     * a 10 s terminate notice, a check every 5 s.
     */
    public static EmulatedCluster start(Map<String, String> emulatorSettings, Map<String, String> hostSettings)
            throws Exception {
        return start(emulatorSettings, emulator -> hostSettings);
    }

    /**
     * Starts both, the host's settings coming from {@code beforeHost} once the emulator runs (which may boot machines
     * first, such as the manager VMs the host is then pointed at).
     */
    public static EmulatedCluster start(Map<String, String> emulatorSettings, BeforeHost beforeHost) throws Exception {
        LocalServices.require(isRoot(), "the emulator's instances are dockerd nodes in namespaces, which need root");
        // A computer name prefix of its own (at most 9 characters), so that leftovers of other runs never count.
        StringBuilder prefix = new StringBuilder("it");
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < 5; i++) {
            prefix.append((char) ('a' + random.nextInt(26)));
        }
        EmulatedCluster cluster = new EmulatedCluster(prefix.toString(), Files.createTempDirectory("hm-emulated-"));
        try {
            cluster.startBoth(emulatorSettings, beforeHost);
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** What runs between the emulator's start and the host's, and the host settings it adds. */
    @FunctionalInterface
    public interface BeforeHost {
        Map<String, String> hostSettings(AzureEmulator emulator) throws Exception;
    }

    private void startBoth(Map<String, String> emulatorSettings, BeforeHost beforeHost) throws Exception {
        hostPort = LocalHostProcess.freePort();
        // The pools, when a test gives them, name the scale sets instead of the single scale set's setting.
        String pools = emulatorSettings.get(ScaleSetSettings.POOLS);
        Map<String, String> target = Map.of(
                "HARBORMASTER_SUBSCRIPTION_ID", UUID.randomUUID().toString(),
                "HARBORMASTER_RESOURCE_GROUP", "harbormaster-it-rg",
                pools == null ? ScaleSetSettings.SCALE_SET_NAME : ScaleSetSettings.POOLS,
                pools == null ? "agents-" + prefix : pools);
        Map<String, String> emulatorValues = new HashMap<>(target);
        emulatorValues.put(EmulatorSettings.DIR, directory.resolve("emulator").toString());
        emulatorValues.put(EmulatorSettings.COMPUTER_NAME_PREFIX, prefix);
        emulatorValues.put(EmulatorSettings.ARM_PORT, Integer.toString(LocalHostProcess.freePort()));
        emulatorValues.put(EmulatorSettings.IDENTITY_PORT, Integer.toString(LocalHostProcess.freePort()));
        emulatorValues.put(EmulatorSettings.IMDS_PORT, Integer.toString(LocalHostProcess.freePort()));
        emulatorValues.put(EmulatorSettings.CONTROL_PORT, Integer.toString(LocalHostProcess.freePort()));
        emulatorValues.put(EmulatorSettings.CAPACITY, "1");
        emulatorValues.put(EmulatorSettings.TERMINATE_NOTICE, "10s");
        emulatorValues.put(EmulatorSettings.FUNCTION_URL, "http://" + SwarmWorkers.BRIDGE_ADDRESS + ":" + hostPort);
        emulatorValues.put(EmulatorSettings.CLOUD_CONFIG, SwarmWorkers.script().getParent().getParent().getParent()
                .resolve("cloud-init/agent.yml").toString());
        emulatorValues.putAll(emulatorSettings);
        emulator = AzureEmulator.start(EmulatorSettings.from(new AppSettings(emulatorValues)));

        Map<String, String> hostValues = new HashMap<>(target);
        hostValues.putAll(emulator.appEnvironment());
        hostValues.putAll(Map.of(
                "HARBORMASTER_DOCKER_HOSTS", LocalServices.dockerHost(),
                "HARBORMASTER_LOCAL_FUNCTION_KEY", key,
                "HARBORMASTER_LOCAL_MASTER_KEY", masterKey,
                "AzureWebJobsStorage", LocalServices.storageConnectionString(),
                "HARBORMASTER_CAPACITY_SCHEDULE", "*/5 * * * * *",
                "HARBORMASTER_DRAIN_CHECK_INTERVAL", "1s"));
        hostValues.putAll(beforeHost.hostSettings(emulator));
        this.hostValues = Map.copyOf(hostValues);
        if (!hostValues.get("HARBORMASTER_DOCKER_HOSTS").equals(LocalServices.dockerHost())) {
            manager = DockerCli.forHost(hostValues.get("HARBORMASTER_DOCKER_HOSTS").split(",")[0].strip());
        }
        releaseCapacityLease();
        startHost();
    }

    /**
     * Boots manager VM {@code name} as the swarm's first manager (index 0, from cloud-init/master.yml) and returns its
     * Docker endpoint once its own swarm is initialised and it leads it: what a test points its host at.
     */
    public static String bootFirstManager(AzureEmulator emulator, String name) throws IOException, InterruptedException {
        emulator.bootManager(name, 0);
        String host = emulator.machines().dockerHost(name);
        DockerCli manager = DockerCli.forHost(host);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String state = "";
        while (!(state = manager.run("info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}"))
                .equals("active true")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " did not initialise its swarm within 60 s: " + state);
            }
            Thread.sleep(200);
        }
        return host;
    }

    /**
     * Forgets the capacity history in the suite's shared storage account, for a test whose cluster must start afresh:
     * a history an earlier test's cluster left would trip the guard once.
     */
    public static void forgetCapacityHistory() {
        BlobContainerClient capacity = new BlobServiceClientBuilder().connectionString(LocalServices.storageConnectionString())
                .buildClient().getBlobContainerClient(BlobCapacityState.CONTAINER);
        if (capacity.exists()) {
            // The single scale set's history, and every pool's (history-<pool>.json).
            capacity.listBlobs().stream().map(blob -> blob.getName())
                    .filter(name -> name.equals("history.json") || name.startsWith("history-"))
                    .forEach(name -> capacity.getBlobClient(name).deleteIfExists());
        }
    }

    /** The resource group the emulated-cluster tests give a Flexible pool: one of its own, as a Flexible pool needs. */
    public static final String FLEXIBLE_GROUP = "hm-flex-rg";

    /**
     * Emulator settings for one Flexible pool {@code flex} of {@code scaleSet}, labelled {@code flex=true}, in
     * {@link #FLEXIBLE_GROUP}: one place writes the pool, its mode and its group for every Flexible test.
     */
    public static Map<String, String> flexiblePool(String scaleSet, int min, int max, int step) {
        return Map.of("HARBORMASTER_POOLS", "[{\"name\":\"flex\",\"scaleSet\":\"" + scaleSet + "\",\"min\":" + min
                + ",\"max\":" + max + ",\"step\":" + step + ",\"labels\":{\"flex\":\"true\"},\"mode\":\"Flexible\","
                + "\"resourceGroup\":\"" + FLEXIBLE_GROUP + "\"}]");
    }

    /**
     * Breaks the capacity checks' lease in the suite's shared storage account, if a host of an earlier test left it
     * held (killed or closed mid-check): it would skip this cluster's checks for up to its 60 s, and a check that one
     * event asked for would not come again.
     */
    public static void releaseCapacityLease() {
        BlobContainerClient capacity = new BlobServiceClientBuilder().connectionString(LocalServices.storageConnectionString())
                .buildClient().getBlobContainerClient(BlobCapacityState.CONTAINER);
        var lease = capacity.getBlobClient("lease");
        if (capacity.exists() && lease.exists()
                && lease.getProperties().getLeaseState() == com.azure.storage.blob.models.LeaseStateType.LEASED) {
            // A break period of 0: the lease ends now, not at its term.
            new com.azure.storage.blob.specialized.BlobLeaseClientBuilder().blobClient(lease).buildClient()
                    .breakLeaseWithResponse(new com.azure.storage.blob.options.BlobBreakLeaseOptions()
                            .setBreakPeriod(Duration.ZERO), null, com.azure.core.util.Context.NONE);
        }
    }

    /** Starts the host again, with the same settings and port, after {@link #killHost()}. */
    public void startHost() throws IOException, InterruptedException {
        LocalHostProcess previous = host;
        host = LocalHostProcess.start(System.getProperty("java.class.path"), hostValues, hostPort,
                emulator.appJvmOptions()).awaitReady(Duration.ofSeconds(60));
        if (previous != null) {
            killedHostsOutput.append(previous.output());
        }
    }

    /** Kills the host as a crash would (SIGKILL): whatever it was doing stops mid-way. */
    public void killHost() throws InterruptedException {
        host.kill();
    }

    private static boolean isRoot() {
        try {
            return "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim());
        } catch (IOException e) {
            return false;
        }
    }

    public AzureEmulator emulator() {
        return emulator;
    }

    public LocalHostProcess host() {
        return host;
    }

    /** Everything the host printed, across restarts. */
    public String hostOutputAllRuns() {
        return killedHostsOutput + host.output();
    }

    /** The function key: the autoscale route's. */
    public String key() {
        return key;
    }

    /** The master key: the operator routes' (drain, status, join, capacity pause, join token rotation). */
    public String masterKey() {
        return masterKey;
    }

    /** The computer name prefix of this cluster's instances, also their swarm hostnames' prefix. */
    public String prefix() {
        return prefix;
    }

    public DockerCli manager() {
        return manager;
    }

    /** Hostname to status ("ready", "down") of this cluster's agents, as the manager lists them. */
    public Map<String, String> nodes() {
        return manager.run("node", "ls", "--format", "{{.Hostname}} {{.Status}}").lines()
                .filter(line -> line.startsWith(prefix))
                .collect(Collectors.toMap(line -> line.split(" ")[0], line -> line.split(" ")[1].toLowerCase(),
                        (a, b) -> "ready".equals(a) ? a : b));
    }

    /** A node's labels, or none while the swarm has no node of that hostname. */
    public Map<String, String> nodeLabels(String hostname) {
        if (!nodes().containsKey(hostname)) {
            return Map.of();
        }
        try {
            String json = manager.run("node", "inspect", hostname, "--format", "{{json .Spec.Labels}}").strip();
            com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            return mapper.readValue(json, mapper.getTypeFactory().constructMapType(Map.class, String.class, String.class));
        } catch (Exception e) {
            return Map.of();
        }
    }

    /** Waits until {@code done} holds for what {@code read} returns; fails with the host's last output. */
    public <T> T await(String what, Supplier<T> read, Predicate<T> done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        T value = read.get();
        while (!done.test(value)) {
            if (System.nanoTime() > deadline) {
                String output = host.output();
                throw new AssertionError(what + " not reached within " + timeout + ": " + value + "\nhost output:\n"
                        + output.substring(Math.max(0, output.length() - 8000)));
            }
            Thread.sleep(250);
            value = read.get();
        }
        return value;
    }

    /** The first event of {@code kind} on the audit trail after {@code since} ({@code GET /api/events}), or null. */
    public com.fasterxml.jackson.databind.JsonNode firstEvent(String kind, java.time.Instant since) {
        try {
            HttpResponse<String> trail = send(HttpRequest.newBuilder(host.uri("/api/events?since=" + since)).GET());
            for (com.fasterxml.jackson.databind.JsonNode event
                    : new com.fasterxml.jackson.databind.ObjectMapper().readTree(trail.body()).path("events")) {
                if (event.path("kind").asText().equals(kind)) {
                    return event;
                }
            }
            return null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An operator's GET of {@code path} on the host, as JSON; fails the test unless the answer is 200. */
    public com.fasterxml.jackson.databind.JsonNode getJson(String path) {
        try {
            HttpResponse<String> response = send(HttpRequest.newBuilder(host.uri(path)).GET());
            assertEquals(200, response.statusCode(), path + ": " + response.body());
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A test's teardown: its service first (when it made one), then the cluster, even when removing the service fails. */
    public static void close(EmulatedCluster cluster, AutoCloseable service) throws Exception {
        try {
            if (service != null) {
                service.close();
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    /** A request to the host with the master key, as the operator sends it. */
    public HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.header("x-functions-key", masterKey).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request to the host with the function key, as Azure Monitor's autoscale webhook sends it. */
    public HttpResponse<String> sendWithFunctionKey(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.header("x-functions-key", key).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws Exception {
        try {
            if (host != null) {
                host.close();
            }
        } finally {
            try {
                if (emulator != null) {
                    emulator.close();
                }
            } finally {
                removeOurNodes();
                if (host != null) {
                    String output = killedHostsOutput + host.output();
                    assertFalse(output.contains(key), "the function key reached the host's logs");
                    assertFalse(output.contains(masterKey), "the master key reached the host's logs");
                    assertFalse(output.contains("SWMTKN-"), "a join token reached the host's logs");
                }
            }
        }
    }

    private void removeOurNodes() {
        // The manager is the suite's: a node that cannot be removed now is reported and stays listed as down.
        WorkerCleanup.removeFromSwarm(LocalServices.dockerHost(), hostname -> hostname.startsWith(prefix), List.of())
                .forEach(problem -> System.err.println("EmulatedCluster clean-up: " + problem));
    }
}
