package io.harbormaster.infra;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the repository's infra/ and cloud-init/ files, found from the working directory upwards. */
final class InfraFiles {
    private InfraFiles() {
    }

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("infra"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no pom.xml with an infra/ folder above " + Path.of("").toAbsolutePath());
    }

    static Path path(String relative) {
        return root().resolve(relative);
    }

    static ArmTemplate cluster() {
        return ArmTemplate.load(path("infra/cluster.json"));
    }

    static ArmTemplate functions() {
        return ArmTemplate.load(path("infra/functions.json"));
    }
}
