package io.harbormaster.emulator.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a machine does before it needs root: refusing a cloud-config it cannot run, and the disk's files. */
class DockerdMachinesTest {
    @TempDir
    Path root;

    private DockerdMachines machines() {
        return new DockerdMachines(new MachinesSettings(root.resolve("machines"), root.resolve("scripts"), "hm-br0",
                "10.213.77.1", root.resolve("leases"), Duration.ofSeconds(1), Duration.ofSeconds(1)));
    }

    @Test
    void aCloudConfigItCannotRunIsRefusedBeforeAnythingIsCreated() {
        DockerdMachines machines = machines();
        List<String> refused = List.of(
                "not a cloud-config",
                "#cloud-config\nruncmd:\n  - [apt-get, install, -y, nginx]\n",
                "#cloud-config\nruncmd:\n  - [systemctl, enable, missing.service]\n",
                "#cloud-config\nwrite_files:\n  - path: /etc/systemd/system/x.service\n    content: |\n"
                        + "      [Service]\n      Type=forking\n      ExecStart=/bin/x\nruncmd:\n  - [systemctl, enable, x]\n");
        for (String customData : refused) {
            assertThrows(IllegalArgumentException.class, () -> machines.boot(new MachineSpec("vm_0", "vm-0", customData)),
                    customData);
        }
        assertThrows(IllegalArgumentException.class, () -> machines.boot(new MachineSpec("vm_0", "Not_A_Host", "#cloud-config\n")));
        assertThrows(IllegalArgumentException.class, () -> machines.boot(new MachineSpec("../x", "vm-0", "#cloud-config\n")));
        assertFalse(Files.exists(root.resolve("machines/vm_0")));
        assertFalse(machines.running("vm_0"));
        assertTrue(machines.address("vm_0").isEmpty());
        machines.destroy("vm_0");
    }

    @Test
    void theDiskHoldsEachFileAtItsRealPathWithItsPermissions() throws IOException {
        MachineDisk disk = new MachineDisk(root.resolve("vm_1"));
        disk.create();
        disk.write(new CloudConfig.WriteFile("/usr/local/bin/tool", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755));
        disk.write(new CloudConfig.WriteFile("/etc/app/secret.env", "A=1\n".getBytes(StandardCharsets.UTF_8), 0600));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(disk.rootfs().resolve("usr/local/bin/tool"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(disk.rootfs().resolve("etc/app/secret.env"))));
        assertEquals(Optional.of("A=1\n"), disk.read("/etc/app/secret.env"));
        assertFalse(disk.initialized());
        disk.markInitialized(List.of("a.service", "b.service"));
        assertTrue(disk.initialized());
        assertEquals(List.of("a.service", "b.service"), disk.enabledUnits());
    }
}
