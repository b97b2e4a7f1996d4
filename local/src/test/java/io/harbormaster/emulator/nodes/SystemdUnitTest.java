package io.harbormaster.emulator.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SystemdUnitTest {
    @Test
    void readsTheAgentsUnits() throws IOException {
        List<SystemdUnit> units = agentUnits();
        SystemdUnit join = units.stream().filter(u -> u.name().equals("harbormaster-join.service")).findFirst().orElseThrow();
        assertEquals(SystemdUnit.Type.ONESHOT, join.type());
        assertEquals(List.of("/usr/local/bin/harbormaster-join"), join.execStart().orElseThrow().argv());
        assertEquals(List.of("network-online.target", "docker.service", "harbormaster-imds-guard.service"), join.after());

        SystemdUnit watcher = units.stream().filter(u -> u.name().equals("harbormaster-terminate-watcher.service")).findFirst().orElseThrow();
        assertEquals(SystemdUnit.Type.SIMPLE, watcher.type());
        assertTrue(watcher.restartAlways());
        assertEquals(Duration.ofSeconds(5), watcher.restartSec());

        SystemdUnit drain = units.stream().filter(u -> u.name().equals("harbormaster-drain-on-shutdown.service")).findFirst().orElseThrow();
        assertEquals(List.of("/usr/local/bin/harbormaster-drain-on-shutdown"), drain.execStop().orElseThrow().argv());
        assertEquals(Duration.ofSeconds(180), drain.timeoutStop());
        assertFalse(drain.restartAlways());
    }

    @Test
    void theAgentsUnitsBootInAfterOrder() throws IOException {
        List<SystemdUnit> units = new ArrayList<>(agentUnits());
        java.util.Collections.reverse(units);
        List<String> order = BootOrder.sort(units).stream().map(SystemdUnit::name).toList();
        assertTrue(order.indexOf("harbormaster-imds-guard.service") < order.indexOf("harbormaster-join.service"), order.toString());
        assertTrue(order.indexOf("harbormaster-join.service") < order.indexOf("harbormaster-terminate-watcher.service"), order.toString());
        assertTrue(order.indexOf("harbormaster-join.service") < order.indexOf("harbormaster-drain-on-shutdown.service"), order.toString());
    }

    @Test
    void keepsTheGivenOrderWhereAfterSaysNothingAndRefusesCycles() {
        SystemdUnit a = unit("a.service", "b.service");
        SystemdUnit b = unit("b.service");
        SystemdUnit c = unit("c.service", "elsewhere.target");
        assertEquals(List.of("c.service", "b.service", "a.service"),
                BootOrder.sort(List.of(c, a, b)).stream().map(SystemdUnit::name).toList());
        assertThrows(IllegalArgumentException.class, () -> BootOrder.sort(List.of(unit("x", "y"), unit("y", "x"))));
    }

    @Test
    void execPrefixesAndTimeSpans() {
        SystemdUnit unit = SystemdUnit.parse("t.service", """
                [Service]
                ExecStart=-/bin/false now
                TimeoutStopSec=2min
                RestartSec=250ms
                """);
        assertTrue(unit.execStart().orElseThrow().ignoreFailure());
        assertEquals(List.of("/bin/false", "now"), unit.execStart().orElseThrow().argv());
        assertEquals(Duration.ofMinutes(2), unit.timeoutStop());
        assertEquals(Duration.ofMillis(250), unit.restartSec());
        assertThrows(IllegalArgumentException.class, () -> SystemdUnit.parse("q", "[Service]\nExecStart=/bin/sh -c \"x\"\n"));
        assertThrows(IllegalArgumentException.class, () -> SystemdUnit.parse("r", "[Service]\nExecStart=true\n"));
        assertThrows(IllegalArgumentException.class, () -> SystemdUnit.parse("f", "[Service]\nType=forking\n"));
    }

    @Test
    void theAgentsDockerDropInWritesDaemonJsonBeforeEveryStartOfDockerd() throws IOException {
        String dropIn = CloudConfig.parse(CloudConfigTest.agentCloudConfig()).writeFiles().stream()
                .filter(file -> file.path().equals("/etc/systemd/system/docker.service.d/harbormaster-generic-resources.conf"))
                .map(file -> new String(file.content(), StandardCharsets.UTF_8)).findFirst().orElseThrow();
        SystemdUnit docker = SystemdUnit.parse("docker.service", dropIn);
        assertEquals(List.of(new SystemdUnit.Command(List.of("/usr/local/sbin/harbormaster-docker-config"), false)),
                docker.execStartPre());
        assertTrue(docker.execStart().isEmpty(), "the drop-in leaves dockerd's own command alone");
    }

    @Test
    void theManagersDockerDropInRunsNothingBeforeDockerd() throws IOException {
        // The managers' drop-in replaces ExecStart (a TCP listener), which the machines do not apply; it must still read.
        String master = Files.readString(Path.of(CloudConfigTest.agentCloudConfigPath()).resolveSibling("master.yml"))
                .replaceAll("__HARBORMASTER_[A-Z0-9_]+_B64__", "QUJD"); // its TLS files are base64 placeholders
        String dropIn = CloudConfig.parse(master).writeFiles().stream()
                .filter(file -> file.path().startsWith("/etc/systemd/system/docker.service.d/"))
                .map(file -> new String(file.content(), StandardCharsets.UTF_8)).findFirst().orElseThrow();
        SystemdUnit docker = SystemdUnit.parse("docker.service", dropIn);
        assertEquals(List.of(), docker.execStartPre());
        assertEquals("/usr/bin/dockerd", docker.execStart().orElseThrow().argv().get(0));
    }

    @Test
    void anEmptyAssignmentResetsAnExecList() {
        SystemdUnit unit = SystemdUnit.parse("docker.service", """
                [Service]
                ExecStartPre=/bin/first
                ExecStartPre=-/bin/second x
                ExecStart=/usr/bin/dockerd
                [Service]
                ExecStartPre=
                ExecStartPre=-/bin/third
                ExecStart=
                ExecStart=/usr/bin/dockerd -H fd://
                """);
        assertEquals(List.of(new SystemdUnit.Command(List.of("/bin/third"), true)), unit.execStartPre());
        assertEquals(List.of("/usr/bin/dockerd", "-H", "fd://"), unit.execStart().orElseThrow().argv());
    }

    private static SystemdUnit unit(String name, String... after) {
        return new SystemdUnit(name, List.of(after), SystemdUnit.Type.ONESHOT, List.of(), Optional.empty(), Optional.empty(),
                false, Duration.ZERO, Duration.ZERO);
    }

    private static List<SystemdUnit> agentUnits() throws IOException {
        return CloudConfig.parse(CloudConfigTest.agentCloudConfig()).writeFiles().stream()
                .filter(file -> file.path().startsWith("/etc/systemd/system/") && !file.path().contains(".d/"))
                .map(file -> SystemdUnit.parse(file.path().substring("/etc/systemd/system/".length()),
                        new String(file.content(), StandardCharsets.UTF_8)))
                .toList();
    }
}
