package io.harbormaster.emulator.nodes;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What cloud-init's runcmd does on a node without systemd: {@code systemctl enable} marks units to start at every
 * boot, {@code systemctl start} starts them now, {@code daemon-reload} has nothing to reload. Any other command
 * is refused, so that a cloud-config that needs more fails the boot instead of half-working.
 */
public record RunCommands(List<String> enabled, List<String> started) {
    /** Units the node itself provides: its dockerd is docker.service. */
    static final Set<String> BUILT_IN = Set.of("docker.service", "containerd.service", "network-online.target");

    public RunCommands {
        enabled = List.copyOf(enabled);
        started = List.copyOf(started);
    }

    public static RunCommands interpret(List<List<String>> runcmd) {
        Set<String> enabled = new LinkedHashSet<>();
        Set<String> started = new LinkedHashSet<>();
        for (List<String> argv : runcmd) {
            String command = String.join(" ", argv);
            if (argv.size() < 2 || !(argv.get(0).equals("systemctl") || argv.get(0).endsWith("/systemctl"))) {
                throw new IllegalArgumentException("runcmd '" + command + "' is not supported on an emulated machine");
            }
            List<String> units = new ArrayList<>();
            for (String arg : argv.subList(2, argv.size())) {
                if (arg.equals("--no-block") || arg.equals("--now")) {
                    continue;
                }
                if (arg.startsWith("-")) {
                    throw new IllegalArgumentException("runcmd '" + command + "': option " + arg + " is not supported");
                }
                units.add(arg.contains(".") ? arg : arg + ".service");
            }
            switch (argv.get(1)) {
                case "daemon-reload" -> { }
                case "enable" -> {
                    enabled.addAll(units);
                    if (argv.contains("--now")) {
                        started.addAll(units);
                    }
                }
                case "start", "restart" -> started.addAll(units);
                default -> throw new IllegalArgumentException("runcmd '" + command + "' is not supported");
            }
        }
        enabled.removeAll(BUILT_IN);
        started.removeAll(BUILT_IN);
        return new RunCommands(new ArrayList<>(enabled), new ArrayList<>(started));
    }
}
