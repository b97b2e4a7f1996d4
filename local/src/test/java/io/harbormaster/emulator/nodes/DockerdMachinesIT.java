package io.harbormaster.emulator.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.emulator.imds.AttestedDocuments;
import io.harbormaster.emulator.imds.EventsDocument;
import io.harbormaster.emulator.imds.FakeImdsBackend;
import io.harbormaster.emulator.imds.ImdsBackend;
import io.harbormaster.emulator.imds.ImdsServer;
import io.harbormaster.emulator.imds.VmMetadata;
import io.harbormaster.emulator.pki.EmulatorAuthority;
import io.harbormaster.testsupport.DockerCli;
import io.harbormaster.testsupport.LocalHostProcess;
import io.harbormaster.testsupport.LocalServices;
import io.harbormaster.testsupport.SwarmWorkers;
import io.harbormaster.testsupport.TestService;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One emulated VM booted from the real cloud-init/agent.yml: it joins the local swarm through the join function,
 * runs its terminate watcher against the emulator's IMDS server on the bridge, drains and leaves on shutdown, rejoins from
 * the same disk on the next boot, and leaves nothing behind once destroyed.
 */
class DockerdMachinesIT {
    /** The master key: the agents call /api/join, an ADMIN-level route, until they move to the attested /api/node/*. */
    private static final String KEY = UUID.randomUUID().toString();
    private static final String FUNCTION_KEY = UUID.randomUUID().toString();
    private static final String TAG = HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(8)
            .putLong(UUID.randomUUID().getMostSignificantBits()).array(), 0, 4);
    private static final String VM = "hm-it-" + TAG + "_0";
    private static final String COMPUTER = "hm-it-" + TAG + "-vm0";

    private static LocalHostProcess host;
    private static DockerCli manager;
    private static ImdsServer imds;
    private static final AtomicInteger namesServed = new AtomicInteger();
    private static final AtomicInteger documentsServed = new AtomicInteger();
    private static Path keyFile;
    private static DockerdMachines machines;

    @BeforeAll
    static void start() throws Exception {
        LocalServices.require("root".equals(System.getProperty("user.name")), "emulated machines need root");
        manager = DockerCli.forLocalManager();
        host = LocalHostProcess.start(LocalHostProcess.settings(
                "HARBORMASTER_DOCKER_HOSTS", LocalServices.dockerHost(),
                "HARBORMASTER_DRAIN_CHECK_INTERVAL", "1s",
                "HARBORMASTER_LOCAL_FUNCTION_KEY", FUNCTION_KEY,
                "HARBORMASTER_LOCAL_MASTER_KEY", KEY,
                "AzureWebJobsStorage", LocalServices.storageConnectionString())).awaitReady(Duration.ofSeconds(60));
        // The emulator's real IMDS, serving one VM to whichever address asks (the machine's is known only once it
        // boots); the counts say that the watcher read its name and then polled its events.
        VmMetadata vm = FakeImdsBackend.vm(VM, UUID.randomUUID().toString());
        ImdsBackend backend = new ImdsBackend() {
            @Override
            public Optional<VmMetadata> vmAt(InetAddress caller) {
                namesServed.incrementAndGet();
                return Optional.of(vm);
            }

            @Override
            public EventsDocument scheduledEvents(VmMetadata caller) {
                documentsServed.incrementAndGet();
                return new EventsDocument(1, List.of());
            }

            @Override
            public boolean approve(VmMetadata caller, String eventId) {
                return false;
            }
        };
        Path authority = Files.createTempDirectory("hm-machines-pki");
        imds = new ImdsServer(new InetSocketAddress(InetAddress.getByName(SwarmWorkers.BRIDGE_ADDRESS), 0), backend,
                new AttestedDocuments(EmulatorAuthority.loadOrCreate(authority).imdsSigning(), Clock.systemUTC()), 50)
                .start();
        keyFile = Files.createTempFile("hm-machines-key", "", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, KEY + "\n");
        machines = new DockerdMachines(MachinesSettings.forCheckout(checkout(), keyFile));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (machines != null) {
                machines.destroy(VM);
            }
            if (manager != null) {
                removeSwarmNodes();
            }
        } finally {
            if (imds != null) {
                imds.close();
            }
            if (keyFile != null) {
                Files.deleteIfExists(keyFile);
            }
            if (host != null) {
                host.close();
                assertFalse(host.output().contains("SWMTKN"), "a swarm token in the host's logs");
                assertFalse(host.output().contains(KEY), "the master key in the host's logs");
            }
        }
    }

    @Test
    void bootsFromTheAgentsCloudConfigDrainsOnShutdownRebootsFromItsDiskAndIsDestroyed() throws Exception {
        MachineSpec spec = new MachineSpec(VM, COMPUTER, customData());

        long t0 = System.nanoTime();
        machines.boot(spec);
        long booted = System.nanoTime();
        assertTrue(machines.running(VM));
        String address = machines.address(VM).orElseThrow().getHostAddress();
        assertTrue(address.startsWith("10.213.77."), address);
        await("every unit active", Duration.ofSeconds(120), () -> machines.units(VM).values().stream()
                .allMatch(state -> state == UnitState.ACTIVE), () -> machines.units(VM) + unitLogs());
        long unitsStarted = System.nanoTime();
        String nodeId = awaitReadyWorker(address);
        long ready = System.nanoTime();
        System.out.printf("[DockerdMachinesIT] first boot: boot returned (dockerd answering, image imported) %d ms, units active %d ms, Ready worker %d ms%n",
                ms(t0, booted), ms(t0, unitsStarted), ms(t0, ready));
        assertTrue(host.output().contains("join worker: ticket issued"), "no join through the function");

        // cloud-init's files are at their real paths inside the node only; the host's own files still show there.
        String pid = Files.readString(machines.stateDirectory(VM).resolve("pid")).strip();
        String inside = command("nsenter", "--target", pid, "--mount", "--", "ls", "-l",
                "/usr/local/bin/harbormaster-join", "/etc/harbormaster/agent.env", "/usr/local/bin/docker");
        assertTrue(inside.contains("-rwxr-xr-x") && inside.contains("-rw-------"), inside);
        assertFalse(Files.exists(Path.of("/usr/local/bin/harbormaster-join")), "the host's /usr/local/bin changed");
        assertTrue(unitLog("harbormaster-imds-guard").contains("IMDS (" + SwarmWorkers.BRIDGE_ADDRESS + ":"
                + imds.address().getPort() + ") is reachable from the network namespace harbormaster-imds only"), unitLogs());
        assertImdsOnlyForTheHelpers(pid);
        // The terminate watcher runs: it asked IMDS for the VM's name and polls the scheduled events.
        await("the watcher polling IMDS", Duration.ofSeconds(30), () -> namesServed.get() > 0 && documentsServed.get() > 1,
                DockerdMachinesIT::unitLogs);
        assertTrue(unitLog("harbormaster-terminate-watcher").contains("watching scheduled events for VM " + VM), unitLogs());
        // Restart=always: the watcher comes back after RestartSec when its process dies.
        List<ProcessHandle> watcher = processesOf(Long.parseLong(pid)).stream().flatMap(p -> ProcessHandle.of(p).stream())
                .filter(p -> p.info().commandLine().orElse("").contains("harbormaster-terminate-watcher")).toList();
        assertFalse(watcher.isEmpty(), "no watcher process in the node");
        watcher.forEach(ProcessHandle::destroyForcibly);
        await("the watcher restarted", Duration.ofSeconds(30), () -> unitLog("harbormaster-terminate-watcher").lines()
                .filter(line -> line.contains("=== ExecStart: /usr/local/bin/harbormaster-terminate-watcher")).count() == 2,
                DockerdMachinesIT::unitLogs);
        assertTrue(unitLog("harbormaster-terminate-watcher").contains("restarting in 5000 ms"), unitLogs());
        String engineId = DockerCli.forHost(machines.dockerHost(VM)).run("info", "--format", "{{.ID}}");

        long s0 = System.nanoTime();
        machines.shutdown(VM);
        long shutDown = System.nanoTime();
        System.out.printf("[DockerdMachinesIT] shutdown (drain, leave, dockerd stop): %d ms%n", ms(s0, shutDown));
        assertFalse(machines.running(VM));
        String drainLog = unitLog("harbormaster-drain-on-shutdown");
        System.out.println("[DockerdMachinesIT] drain-on-shutdown log:\n" + drainLog);
        assertTrue(drainLog.contains("drain of " + COMPUTER + " requested"), drainLog);
        assertTrue(drainLog.contains("left the swarm"), drainLog);
        // The manager notices that a node left at its next heartbeat check; the shutdown drain then removes it.
        await(nodeId + " down or removed", Duration.ofSeconds(30),
                () -> !manager.run("node", "ls", "--filter", "id=" + nodeId, "--format", "{{.Status}}").equals("Ready"),
                () -> drainLog);
        assertTrue(Files.isDirectory(machines.stateDirectory(VM)), "the disk stays");

        long b0 = System.nanoTime();
        machines.boot(spec);
        long rebooted = System.nanoTime();
        String secondId = awaitReadyWorker(address, nodeId);
        long readyAgain = System.nanoTime();
        System.out.printf("[DockerdMachinesIT] second boot: boot returned (dockerd answering) %d ms, Ready worker %d ms%n",
                ms(b0, rebooted), ms(b0, readyAgain));
        assertFalse(secondId.equals(nodeId), "a node that left joins as a new swarm node");
        assertEquals(engineId, DockerCli.forHost(machines.dockerHost(VM)).run("info", "--format", "{{.ID}}"),
                "the same disk: the same engine identity");
        assertEquals(2, Files.readString(machines.stateDirectory(VM).resolve("dockerd.log")).lines()
                .filter(line -> line.startsWith("=== ") && line.contains(" booting ")).count(), "two boots of one disk");

        // A power cut: every process of the node ends at once, the disk and the address stay.
        Set<Long> killed = processesOf(Long.parseLong(Files.readString(machines.stateDirectory(VM).resolve("pid")).strip()));
        long k0 = System.nanoTime();
        machines.kill(VM);
        System.out.printf("[DockerdMachinesIT] kill: %d ms%n", ms(k0, System.nanoTime()));
        assertFalse(machines.running(VM));
        assertTrue(machines.units(VM).isEmpty());
        assertTrue(killed.stream().noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)));
        assertTrue(Files.isDirectory(machines.stateDirectory(VM)));
        assertEquals(address, machines.address(VM).orElseThrow().getHostAddress());

        long c0 = System.nanoTime();
        machines.boot(spec);
        // The join script finds the stale swarm state of the power cut, leaves it and joins as a new node.
        awaitReadyWorker(address, nodeId, secondId);
        System.out.printf("[DockerdMachinesIT] boot after a power cut: Ready worker %d ms%n", ms(c0, System.nanoTime()));
        Set<Long> processes = processesOf(Long.parseLong(Files.readString(machines.stateDirectory(VM).resolve("pid")).strip()));
        String netns = Files.readString(machines.stateDirectory(VM).resolve("netns")).strip();
        String veth = Files.readString(machines.stateDirectory(VM).resolve("veth")).strip();
        Path disk = machines.stateDirectory(VM);
        String logs = unitLogs();
        long d0 = System.nanoTime();
        machines.destroy(VM);
        System.out.printf("[DockerdMachinesIT] destroy: %d ms%n", ms(d0, System.nanoTime()));
        assertFalse(logs.contains("SWMTKN-1-") || logs.contains(KEY), "a secret in the units' logs");
        assertFalse(machines.running(VM));
        assertTrue(machines.address(VM).isEmpty());
        assertTrue(processes.stream().noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)));
        assertFalse(command("ip", "netns", "list").lines().anyMatch(line -> line.startsWith(netns + " ") || line.equals(netns)));
        assertFalse(HostCommand.run("ip", "link", "show", veth).ok(), "veth left: " + veth);
        assertFalse(Files.exists(disk), "folder left: " + disk);
        assertFalse(Files.exists(Path.of("/run/harbormaster-nodes", address)), "lease left: " + address);
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains(disk.toString())));
    }

    /** The real agent cloud-config as the emulator would render it for this machine. */
    private static String customData() throws IOException {
        return CloudConfigTest.agentCloudConfig()
                .replace("__HARBORMASTER_FUNCTION_URL__", SwarmWorkers.joinUrl(host).toString())
                .replace("__HARBORMASTER_IMDS_URL__", "http://" + SwarmWorkers.BRIDGE_ADDRESS + ":" + imds.address().getPort())
                .replace("__HARBORMASTER_KEY_VAULT_URI__", "https://unused.vault.invalid/")
                .replace("__HARBORMASTER_FUNCTION_KEY_SECRET__", "harbormaster-node-function-key")
                .replace("__HARBORMASTER_IDENTITY_CLIENT_ID__", "00000000-0000-0000-0000-000000000000");
    }

    /** Waits for a Ready worker named COMPUTER at {@code address}, none of {@code formerIds}; returns its id. */
    private static String awaitReadyWorker(String address, String... formerIds) throws InterruptedException {
        String[] id = new String[1];
        await(COMPUTER + " a Ready worker", Duration.ofSeconds(120), () -> {
            for (String line : manager.run("node", "ls", "--format", "{{.ID}} {{.Hostname}}").lines().toList()) {
                // A node that is still joining may list no hostname yet.
                String[] fields = line.split(" ", 2);
                if (fields.length == 2 && fields[1].equals(COMPUTER) && !List.of(formerIds).contains(fields[0])
                        && manager.run("node", "inspect", fields[0], "--format",
                        "{{.Status.State}} {{.Spec.Role}} {{.Status.Addr}}").equals("ready worker " + address)) {
                    id[0] = fields[0];
                    return true;
                }
            }
            return false;
        }, DockerdMachinesIT::unitLogs);
        return id[0];
    }

    private static void removeSwarmNodes() {
        for (String line : manager.run("node", "ls", "--format", "{{.ID}} {{.Hostname}}").lines().toList()) {
            if (line.endsWith(" " + COMPUTER)) {
                manager.run("node", "rm", "--force", line.split(" ")[0]);
            }
        }
    }

    private static String unitLog(String unit) {
        try {
            Path log = machines.stateDirectory(VM).resolve("units/" + unit + ".service.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String unitLogs() {
        StringBuilder all = new StringBuilder();
        for (String unit : List.of("harbormaster-imds-guard", "harbormaster-join", "harbormaster-terminate-watcher",
                "harbormaster-drain-on-shutdown")) {
            all.append("\n--- ").append(unit).append('\n').append(unitLog(unit));
        }
        return all.toString();
    }

    /** Every process in the node's PID namespace: dockerd and its descendants, and the units' processes. */
    private static Set<Long> processesOf(long dockerd) {
        Path namespace = pidNamespace(dockerd).orElseThrow();
        return ProcessHandle.allProcesses().map(ProcessHandle::pid)
                .filter(pid -> pidNamespace(pid).filter(namespace::equals).isPresent())
                .collect(java.util.stream.Collectors.toSet());
    }

    private static java.util.Optional<Path> pidNamespace(long pid) {
        try {
            return java.util.Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "pid")));
        } catch (IOException gone) {
            return java.util.Optional.empty();
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition,
                              java.util.function.Supplier<String> context) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + timeout + ":\n" + context.get());
            }
            Thread.sleep(200);
        }
    }

    private static long ms(long from, long to) {
        return (to - from) / 1_000_000;
    }

    private static Path checkout() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/lib/node-init.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no scripts/lib/node-init.sh above " + Path.of("").toAbsolutePath());
    }

    /**
     * The IMDS guard as a workload would meet it: root on the node, and a root container on the host network, are
     * refused; the node's helpers, through harbormaster-imds-curl, are answered.
     */
    private void assertImdsOnlyForTheHelpers(String pid) throws IOException, InterruptedException {
        String url = "http://" + SwarmWorkers.BRIDGE_ADDRESS + ":" + imds.address().getPort()
                + "/metadata/instance/compute/name?api-version=2021-02-01&format=text";
        List<String> node = List.of("nsenter", "--target", pid, "--net", "--uts", "--mount", "--pid", "--");
        String helper = run(concat(node, "/usr/local/sbin/harbormaster-imds-curl", "-sS", "--max-time", "5",
                "-H", "Metadata: true", url));
        assertEquals(VM, helper.strip(), "the helpers' namespace is answered by IMDS");
        String rootOnHost = run(concat(node, "curl", "-sS", "--max-time", "5", "-H", "Metadata: true", url));
        assertTrue(rootOnHost.contains("Connection refused") || rootOnHost.contains("Failed to connect"),
                "root on the node reached IMDS: " + rootOnHost);
        // busybox's wget crashes in this image; nc speaks the HTTP request itself.
        String request = "GET /metadata/instance/compute/name?api-version=2021-02-01&format=text HTTP/1.0\\r\\nMetadata: true\\r\\n\\r\\n";
        String container = run(List.of("docker", "-H", machines.dockerHost(VM), "run", "--rm", "--network", "host",
                TestService.IMAGE, "sh", "-c", "printf '" + request + "' | nc -w 5 " + SwarmWorkers.BRIDGE_ADDRESS + " "
                        + imds.address().getPort() + " 2>&1; echo rc=$?"));
        assertFalse(container.contains(VM), "a host-network root container reached IMDS: " + container);
        assertTrue(container.contains("refused") && container.contains("rc=1"), "expected a refused connection: " + container);
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new java.util.ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    /** Runs a command and returns its output, whatever its exit status. */
    private static String run(List<String> argv) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), String.join(" ", argv) + " did not finish");
        return output;
    }

    private static String command(String... argv) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", argv) + " failed: " + output);
        }
        return output;
    }
}
