package io.harbormaster.emulator.nodes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What the harness reads of a systemd service unit (or of a drop-in for one): ordering, type, commands, restart and
 * stop limits.
 *
 * @param execStartPre the ExecStartPre commands in order, each run to its end before ExecStart (systemd.service(5))
 */
public record SystemdUnit(String name, List<String> after, Type type, List<Command> execStartPre,
                          Optional<Command> execStart, Optional<Command> execStop, boolean restartAlways,
                          Duration restartSec, Duration timeoutStop) {

    /** {@code Type=}: a simple unit runs in the background; a oneshot unit is waited for. */
    public enum Type { SIMPLE, ONESHOT }

    /** One Exec line: its argv, and whether a failure is ignored (the {@code -} prefix). */
    public record Command(List<String> argv, boolean ignoreFailure) {
        public Command {
            argv = List.copyOf(argv);
        }
    }

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(90);

    public SystemdUnit {
        after = List.copyOf(after);
        execStartPre = List.copyOf(execStartPre);
    }

    /** Parses the text of unit {@code name} (e.g. {@code harbormaster-join.service}). */
    public static SystemdUnit parse(String name, String text) {
        List<String> after = new ArrayList<>();
        Type type = Type.SIMPLE;
        List<Command> startPre = new ArrayList<>();
        Command start = null;
        Command stop = null;
        boolean always = false;
        Duration restartSec = Duration.ofMillis(100);
        Duration timeoutStop = DEFAULT_TIMEOUT;
        String section = "";
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                section = line;
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException(name + ": not a key=value line: " + line);
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            switch (section + key) {
                case "[Unit]After" -> after.addAll(Arrays.asList(value.split("\\s+")));
                case "[Service]Type" -> type = switch (value) {
                    case "oneshot" -> Type.ONESHOT;
                    case "simple", "exec" -> Type.SIMPLE;
                    default -> throw new IllegalArgumentException(name + ": Type=" + value + " is not supported");
                };
                // An empty assignment resets the list, as a drop-in that replaces ExecStart writes it (systemd.service(5)).
                case "[Service]ExecStartPre" -> {
                    if (value.isEmpty()) {
                        startPre.clear();
                    } else {
                        startPre.add(command(name, value));
                    }
                }
                case "[Service]ExecStart" -> start = value.isEmpty() ? null : command(name, value);
                case "[Service]ExecStop" -> stop = command(name, value);
                case "[Service]Restart" -> always = value.equals("always");
                case "[Service]RestartSec" -> restartSec = seconds(name, value);
                case "[Service]TimeoutStopSec" -> timeoutStop = seconds(name, value);
                default -> {
                    // Description, Wants, Requires, RemainAfterExit, [Install]...: nothing to do on a node
                }
            }
        }
        return new SystemdUnit(name, after, type, startPre, Optional.ofNullable(start), Optional.ofNullable(stop),
                always, restartSec, timeoutStop);
    }

    private static Command command(String unit, String value) {
        boolean ignore = false;
        while (!value.isEmpty() && "-@+!:".indexOf(value.charAt(0)) >= 0) {
            if (value.charAt(0) == '@') {
                throw new IllegalArgumentException(unit + ": the @ prefix is not supported");
            }
            ignore |= value.charAt(0) == '-';
            value = value.substring(1);
        }
        if (value.contains("\"") || value.contains("'") || value.contains("$")) {
            // Quoting and variable expansion are systemd's own syntax; the agents' units need neither.
            throw new IllegalArgumentException(unit + ": quotes and $ in Exec lines are not supported: " + value);
        }
        List<String> argv = List.of(value.split("\\s+"));
        if (argv.isEmpty() || !argv.get(0).startsWith("/")) {
            throw new IllegalArgumentException(unit + ": an Exec line must start with an absolute path: " + value);
        }
        return new Command(argv, ignore);
    }

    /** systemd time spans as the agents write them: plain seconds, or with s, min, ms units. */
    static Duration seconds(String unit, String value) {
        var matcher = java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|sec|min|m|h)?").matcher(value);
        if (!matcher.matches()) {
            throw new IllegalArgumentException(unit + ": time span '" + value + "' is not supported");
        }
        long amount = Long.parseLong(matcher.group(1));
        String suffix = matcher.group(2) == null ? "s" : matcher.group(2);
        return switch (suffix) {
            case "ms" -> Duration.ofMillis(amount);
            case "min", "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofSeconds(amount);
        };
    }
}
