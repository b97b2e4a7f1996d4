package io.harbormaster.emulator.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineDiskTest {
    @TempDir
    Path dir;

    @Test
    void aUnitsDropInsAreItsConfFilesInNameOrderAsSystemdReadsThem() {
        MachineDisk disk = new MachineDisk(dir.resolve("agents_0"));
        disk.create();
        assertEquals(List.of(), disk.dropIns("docker.service"), "none written, none read");
        for (String name : List.of("20-b.conf", "10-a.conf", "notes.txt")) {
            disk.write(new CloudConfig.WriteFile("/etc/systemd/system/docker.service.d/" + name,
                    name.getBytes(StandardCharsets.UTF_8), 0644));
        }
        assertEquals(List.of("10-a.conf", "20-b.conf"), disk.dropIns("docker.service"));
        assertEquals(List.of(), disk.dropIns("containerd.service"));
    }
}
