package io.harbormaster.emulator.nodes;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The systemd of one running machine, for the units it enabled: starts them in boot order on a background thread
 * (a oneshot unit is waited for, a simple one runs on and is restarted per Restart=always) and stops them in
 * reverse order, running their ExecStop bounded by TimeoutStopSec. Every command runs as a process of the node.
 */
final class NodeUnits {
    private final MachineDisk disk;
    private final long dockerdPid;
    private final Map<String, String> environment;
    private final List<SystemdUnit> order;
    private final Map<String, UnitState> states = new ConcurrentHashMap<>();
    private final Map<String, Process> mainProcesses = new ConcurrentHashMap<>();
    private final Map<String, UnitLog> logs = new ConcurrentHashMap<>();
    private volatile boolean stopping;
    private Thread boot;

    /** {@code environment}: the units' whole environment (PATH, HOME, LANG, DOCKER_HOST, the key if any). */
    NodeUnits(MachineDisk disk, long dockerdPid, List<SystemdUnit> order, Map<String, String> environment) {
        this.disk = disk;
        this.dockerdPid = dockerdPid;
        this.order = List.copyOf(order);
        this.environment = Map.copyOf(environment);
        order.forEach(unit -> states.put(unit.name(), UnitState.INACTIVE));
    }

    void start() {
        boot = new Thread(() -> {
            for (SystemdUnit unit : order) {
                if (stopping) {
                    return;
                }
                startUnit(unit);
            }
        }, "boot-" + disk.dir().getFileName());
        boot.setDaemon(true);
        boot.start();
    }

    /** Each unit's state, in boot order. */
    Map<String, UnitState> states() {
        Map<String, UnitState> copy = new LinkedHashMap<>();
        order.forEach(unit -> copy.put(unit.name(), states.get(unit.name())));
        return copy;
    }

    private void startUnit(SystemdUnit unit) {
        states.put(unit.name(), UnitState.ACTIVATING);
        if (unit.execStart().isEmpty()) {
            states.put(unit.name(), UnitState.ACTIVE);
            return;
        }
        if (unit.type() == SystemdUnit.Type.SIMPLE) {
            Thread supervisor = new Thread(() -> supervise(unit), "unit-" + unit.name());
            supervisor.setDaemon(true);
            supervisor.start();
            return;
        }
        Process process = launch(unit, unit.execStart().get(), "ExecStart");
        mainProcesses.put(unit.name(), process);
        int code = awaitExit(process);
        log(unit).note("=== ExecStart exited with " + code);
        boolean ok = code == 0 || unit.execStart().get().ignoreFailure();
        states.put(unit.name(), ok ? UnitState.ACTIVE : UnitState.FAILED);
    }

    private void supervise(SystemdUnit unit) {
        while (!stopping) {
            Process process = launch(unit, unit.execStart().get(), "ExecStart");
            mainProcesses.put(unit.name(), process);
            states.put(unit.name(), UnitState.ACTIVE);
            int code = awaitExit(process);
            if (stopping || ProcessHandle.of(dockerdPid).map(p -> !p.isAlive()).orElse(true)) {
                return;
            }
            log(unit).note("=== ExecStart exited with " + code + (unit.restartAlways()
                    ? "; restarting in " + unit.restartSec().toMillis() + " ms" : ""));
            if (!unit.restartAlways()) {
                states.put(unit.name(), code == 0 ? UnitState.INACTIVE : UnitState.FAILED);
                return;
            }
            sleep(unit.restartSec());
        }
    }

    /**
     * An orderly shutdown of the units: a start still running is cancelled, then in reverse boot order each
     * active unit's ExecStop runs (bounded by its TimeoutStopSec) and its main process gets SIGTERM.
     */
    void stop() {
        stopping = true;
        if (boot != null) {
            boot.interrupt();
        }
        List<SystemdUnit> reverse = new ArrayList<>(order);
        java.util.Collections.reverse(reverse);
        for (SystemdUnit unit : reverse) {
            Process starting = mainProcesses.get(unit.name());
            if (unit.type() == SystemdUnit.Type.ONESHOT && starting != null && starting.isAlive()) {
                log(unit).note("=== start cancelled by shutdown");
                terminate(starting, Duration.ofSeconds(5));
            }
            UnitState state = states.get(unit.name());
            if (state != UnitState.ACTIVE && !(state == UnitState.ACTIVATING && unit.type() == SystemdUnit.Type.SIMPLE)) {
                continue;
            }
            unit.execStop().ifPresent(command -> {
                Process process = launch(unit, command, "ExecStop");
                if (!awaitExit(process, unit.timeoutStop())) {
                    log(unit).note("=== ExecStop still running after " + unit.timeoutStop() + "; killing it");
                    terminate(process, Duration.ZERO);
                } else {
                    log(unit).note("=== ExecStop exited with " + process.exitValue());
                }
            });
            Process main = mainProcesses.get(unit.name());
            if (main != null && main.isAlive()) {
                terminate(main, Duration.ofSeconds(Math.min(10, unit.timeoutStop().toSeconds())));
            }
            states.put(unit.name(), UnitState.INACTIVE);
        }
    }

    /** The node went away under the units (power cut): nothing is restarted, nothing stopped. */
    void abandon() {
        stopping = true;
        if (boot != null) {
            boot.interrupt();
        }
        states.replaceAll((name, state) -> UnitState.INACTIVE);
    }

    private Process launch(SystemdUnit unit, SystemdUnit.Command command, String what) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--target", Long.toString(dockerdPid),
                "--net", "--uts", "--mount", "--pid", "--"));
        argv.addAll(command.argv());
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // A clean environment, as systemd gives a unit; the key rides in it, never on a command line.
        builder.environment().clear();
        builder.environment().putAll(environment);
        log(unit).note("=== " + what + ": " + String.join(" ", command.argv()));
        try {
            Process process = builder.start();
            log(unit).follow(process.getInputStream(), "log-" + unit.name());
            return process;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + what + " of " + unit.name(), e);
        }
    }

    private UnitLog log(SystemdUnit unit) {
        return logs.computeIfAbsent(unit.name(), name -> new UnitLog(disk.unitLog(name)));
    }

    /** SIGTERM to the command and everything it started in the node, SIGKILL after {@code grace}. */
    private static void terminate(Process process, Duration grace) {
        if (process == null) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(grace.isZero() ? ProcessHandle::destroyForcibly : ProcessHandle::destroy);
        if (!grace.isZero() && !awaitExit(process, grace)) {
            tree.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static int awaitExit(Process process) {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            // Shutdown cancels a start: stop() terminates the process.
            return -1;
        }
    }

    private static boolean awaitExit(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
