package io.harbormaster.emulator.nodes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Emulated VMs as dockerd nodes on this machine, booted by their own cloud-config: each machine is a dockerd as PID 1
 * of its own namespaces on the bridge, with a disk (state folder) that outlives shutdowns and power cuts.
 */
public final class DockerdMachines implements InstanceMachines {
    private static final Logger LOG = Logger.getLogger(DockerdMachines.class.getName());
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern HOSTNAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final String UNIT_DIR = "/etc/systemd/system/";
    private static final String NODE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final MachinesSettings settings;
    private final NodeNetwork network;
    private final NodeDaemon daemon;
    private final Map<String, NodeUnits> units = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    public DockerdMachines(MachinesSettings settings) {
        this.settings = settings;
        this.network = new NodeNetwork(settings);
        this.daemon = new NodeDaemon(settings);
    }

    @Override
    public void boot(MachineSpec spec) {
        if (!HOSTNAME.matcher(spec.computerName()).matches()) {
            throw new IllegalArgumentException("computer name '" + spec.computerName() + "' is not a hostname label");
        }
        synchronized (lock(spec.name())) {
            MachineDisk disk = disk(spec.name());
            if (daemon.running(disk).isPresent()) {
                return;
            }
            long t0 = System.nanoTime();
            boolean firstBoot = !disk.initialized();
            RunCommands commands = firstBoot ? firstBootFiles(disk, spec) : new RunCommands(disk.enabledUnits(), List.of());
            List<SystemdUnit> bootUnits = bootUnits(disk, commands);
            String address = network.ensure(disk);
            long pid = daemon.start(disk, spec.computerName(), disk.value("netns").orElseThrow(), dockerStartPre(disk));
            long tDockerd = System.nanoTime();
            if (firstBoot) {
                importImage(disk);
                disk.markInitialized(commands.enabled());
            }
            // No key, no secret: the node's helpers prove who the VM is with IMDS's attested document.
            Map<String, String> env = Map.of("PATH", NODE_PATH, "HOME", "/root", "LANG", "C.UTF-8",
                    "DOCKER_HOST", disk.dockerHost());
            NodeUnits nodeUnits = new NodeUnits(disk, pid, bootUnits, env);
            units.put(spec.name(), nodeUnits);
            nodeUnits.start();
            LOG.info(() -> String.format("machine %s (%s, %s) booted%s in %d ms: dockerd answering after %d ms; units %s",
                    spec.name(), spec.computerName(), address, firstBoot ? " from a new disk" : "",
                    millis(t0, System.nanoTime()), millis(t0, tDockerd),
                    bootUnits.stream().map(SystemdUnit::name).toList()));
        }
    }

    @Override
    public void shutdown(String name) {
        synchronized (lock(name)) {
            MachineDisk disk = disk(name);
            NodeUnits running = units.remove(name);
            if (running != null && daemon.running(disk).isPresent()) {
                running.stop();
            }
            daemon.stop(disk, settings.stopTimeout());
        }
    }

    @Override
    public void kill(String name) {
        synchronized (lock(name)) {
            Optional.ofNullable(units.remove(name)).ifPresent(NodeUnits::abandon);
            daemon.stop(disk(name), Duration.ZERO);
        }
    }

    @Override
    public void destroy(String name) {
        synchronized (lock(name)) {
            MachineDisk disk = disk(name);
            Optional.ofNullable(units.remove(name)).ifPresent(NodeUnits::abandon);
            if (!disk.exists()) {
                return;
            }
            daemon.stop(disk, Duration.ZERO);
            network.remove(disk);
            Path socketDir = disk.socket().getParent();
            if (!socketDir.equals(disk.dir()) && socketDir.getFileName().toString().startsWith("hm-machine-")) {
                deleteTree(socketDir);
            }
            // The data-root's mounts lived in the node's mount namespace; the kernel may take a moment to drop them.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (true) {
                try {
                    deleteTree(disk.dir());
                    break;
                } catch (UncheckedIOException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    NodeNetwork.pause(200);
                }
            }
        }
    }

    @Override
    public Optional<InetAddress> address(String name) {
        MachineDisk disk = disk(name);
        return disk.exists() ? disk.value("ip").map(DockerdMachines::inet) : Optional.empty();
    }

    /**
     * The machine's address, leased now if it has none: a VM's private address is known before it boots (a manager's
     * cloud-config advertises it), and it stays the machine's until {@link #destroy}.
     */
    public InetAddress reserveAddress(String name) {
        synchronized (lock(name)) {
            MachineDisk disk = disk(name);
            disk.create();
            return inet(network.ensure(disk));
        }
    }

    @Override
    public boolean running(String name) {
        return daemon.running(disk(name)).isPresent();
    }

    /** The state of each unit the machine started at its last boot, in boot order; empty when it is not running. */
    public Map<String, UnitState> units(String name) {
        NodeUnits running = units.get(name);
        return running == null || !running(name) ? Map.of() : running.states();
    }

    /** The machine's Docker endpoint ({@code unix://…}), as the node's units see it in DOCKER_HOST. */
    public String dockerHost(String name) {
        return disk(name).dockerHost();
    }

    /**
     * A command as a process of the running machine, as its units run: in the node's network, UTS, mount and PID
     * namespaces, with a clean environment but for PATH, HOME, LANG and DOCKER_HOST (the node's own socket), so
     * nothing of the caller's environment stands in for what the command is given. The caller sets redirects and
     * starts it; the process dies with the node at the latest.
     */
    public ProcessBuilder inNode(String name, List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command to run in " + name);
        }
        MachineDisk disk = disk(name);
        long pid = daemon.running(disk).orElseThrow(() -> new IllegalStateException("machine " + name + " is not running"))
                .pid();
        List<String> argv = new ArrayList<>(List.of("nsenter", "--target", Long.toString(pid),
                "--net", "--uts", "--mount", "--pid", "--"));
        argv.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(argv);
        builder.environment().clear();
        builder.environment().putAll(Map.of("PATH", NODE_PATH, "HOME", "/root", "LANG", "C.UTF-8",
                "DOCKER_HOST", disk.dockerHost()));
        return builder;
    }

    /** The machine's disk, where {@code units/<unit>.log}, {@code dockerd.log} and {@code rootfs/} are. */
    public Path stateDirectory(String name) {
        return disk(name).dir();
    }

    /** cloud-init's first boot: write_files onto the disk; runcmd read for the units it enables and starts. */
    private RunCommands firstBootFiles(MachineDisk disk, MachineSpec spec) {
        CloudConfig config = CloudConfig.parse(spec.customData());
        RunCommands commands = RunCommands.interpret(config.runcmd());
        // Every unit runcmd names must be written and readable before the disk exists: a bad config leaves nothing.
        Map<String, String> unitFiles = new java.util.HashMap<>();
        config.writeFiles().stream().filter(file -> file.path().startsWith(UNIT_DIR))
                .forEach(file -> unitFiles.put(file.path().substring(UNIT_DIR.length()),
                        new String(file.content(), StandardCharsets.UTF_8)));
        Stream.concat(commands.enabled().stream(), commands.started().stream()).forEach(unit -> SystemdUnit.parse(unit,
                Optional.ofNullable(unitFiles.get(unit)).orElseThrow(() -> new IllegalArgumentException(
                        "runcmd names " + unit + ", which the cloud-config does not write to " + UNIT_DIR))));
        disk.create();
        config.writeFiles().forEach(disk::write);
        // packages and package_update: the host already has docker.io, curl, python3 and iptables.
        disk.writeText("cloud-init.log", "skipped: " + config.skipped() + "\nenabled: " + commands.enabled()
                + "\nstarted: " + commands.started() + "\n");
        return commands;
    }

    private static List<SystemdUnit> bootUnits(MachineDisk disk, RunCommands commands) {
        Set<String> names = new LinkedHashSet<>(commands.enabled());
        names.addAll(commands.started());
        List<SystemdUnit> units = new ArrayList<>();
        for (String name : names) {
            String text = disk.read(UNIT_DIR + name).orElseThrow(() -> new IllegalArgumentException(
                    "runcmd names " + name + ", which the cloud-config does not write to " + UNIT_DIR));
            units.add(SystemdUnit.parse(name, text));
        }
        return BootOrder.sort(units);
    }

    /**
     * docker.service's ExecStartPre commands from the drop-ins on the disk, in order. The node's dockerd is not a unit
     * here, so node-init.sh runs them before it, as systemd would before every start of docker.service: an agent's
     * daemon.json (its pool's generic resources) is then written by the same command as on a VM.
     */
    private static List<SystemdUnit.Command> dockerStartPre(MachineDisk disk) {
        // Read one after the other as systemd reads them, each under its own section header.
        return SystemdUnit.parse("docker.service", String.join("\n", disk.dropIns("docker.service"))).execStartPre();
    }

    /** The test image, as every node of this machine has it (no registry is reachable); the disk keeps it. */
    private void importImage(MachineDisk disk) {
        HostCommand.run(settings.startTimeout().multipliedBy(2), List.of("bash", "-c",
                "source \"$0\" && hm_import_busybox_image \"$1\" \"$2\"",
                settings.scripts().resolve("services.sh").toString(), disk.dockerHost(), disk.daemonLog().toString()))
                .orThrow();
    }

    private MachineDisk disk(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a machine name");
        }
        return new MachineDisk(settings.stateRoot().resolve(name));
    }

    private Object lock(String name) {
        return locks.computeIfAbsent(name, any -> new Object());
    }

    private static InetAddress inet(String address) {
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("not an address: " + address, e);
        }
    }

    private static long millis(long from, long to) {
        return (to - from) / 1_000_000;
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root, e);
        }
    }
}
